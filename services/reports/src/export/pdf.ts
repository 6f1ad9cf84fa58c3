import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { Poc, ReportSummary } from '@poc/contracts';

/**
 * The designed POC report (pdfkit): a cover, the totals, vector charts (POCs
 * by month, top languages, top tags) and the table of POCs. Text is set in
 * DejaVu Sans, a TrueType font shipped by the `dejavu-fonts-ttf` package and
 * embedded (subset, with its Unicode map) in the file, so Portuguese and
 * other accents render and extract (`pdftotext`) as typed, whatever fonts
 * the machine has.
 */
export interface PdfReport {
  /** e.g. `2025` or `2025-01-01 – 2025-06-30`. */
  readonly period: string;
  /** Months of the chart (YYYY-MM), zeros included, in order. */
  readonly months: readonly string[];
  readonly summary: ReportSummary;
  /** The POCs of the table, newest first, page by page. */
  readonly pages: AsyncIterable<readonly Poc[]>;
}

const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | undefined;
const fontFiles = () =>
  (fonts ??= {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  });

const INK = '#1d2433';
const MUTED = '#5b6475';
const ACCENT = '#2f6fde';
const BAND = '#14213d';
const RULE = '#d9dde5';
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const STATUS_LABELS: Record<string, string> = { idea: 'Idea', in_progress: 'In progress', done: 'Done', abandoned: 'Abandoned' };

type Doc = PDFKit.PDFDocument;

/** The report as a PDF stream: written while it is read, the table page by page. */
export function pocPdfStream(report: PdfReport): Doc {
  const { regular, bold } = fontFiles();
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `POC report ${report.period}`, Author: 'POC Tracker', Subject: 'Proofs of concept' },
  });
  doc.registerFont('body', regular);
  doc.registerFont('bold', bold);
  void (async () => {
    cover(doc, report);
    doc.addPage();
    totals(doc, report.summary);
    monthChart(doc, report.months, report.summary, 330);
    doc.addPage();
    heading(doc, 'Top languages');
    barList(doc, report.summary.byLanguage.slice(0, 10), doc.y + 10, ACCENT);
    doc.y += 30;
    heading(doc, 'Top tags');
    barList(doc, report.summary.byTag.slice(0, 10), doc.y + 10, '#2a9d8f');
    await table(doc, report.pages);
    doc.end();
  })().catch((error: unknown) => doc.destroy(error instanceof Error ? error : new Error(String(error))));
  return doc;
}

function cover(doc: Doc, report: PdfReport): void {
  const { width, height } = doc.page;
  doc.rect(0, 0, width, height * 0.42).fill(BAND);
  doc.fillColor('#ffffff').font('bold').fontSize(14).text('POC Tracker', 50, 60);
  doc.font('bold').fontSize(36).text('POC report', 50, 150);
  doc.font('body').fontSize(20).text(report.period, 50, 200);
  // A row of bars as the cover's motif: the months of the period, to scale.
  const counts = monthCounts(report.months, report.summary);
  const max = Math.max(1, ...counts);
  const barWidth = Math.min(40, (width - 100) / Math.max(1, counts.length) - 4);
  counts.forEach((n, i) => {
    const h = (n / max) * 70;
    doc.rect(50 + i * (barWidth + 4), height * 0.42 - 20 - h, barWidth, h).fill('#3d5a99');
  });
  const s = report.summary;
  // The headline figures as tiles.
  const tiles: [string, number][] = [['POCs created', s.totals.pocs], ['languages', s.totals.languages], ['tags', s.totals.tags], ['dojos held', s.dojos.held]];
  const tileWidth = (width - 100 - 3 * 12) / 4;
  tiles.forEach(([label, value], i) => {
    const x = 50 + i * (tileWidth + 12);
    const y = height * 0.42 + 40;
    doc.roundedRect(x, y, tileWidth, 74, 6).fill('#eef2fa');
    doc.fillColor(INK).font('bold').fontSize(24).text(String(value), x + 12, y + 12, { width: tileWidth - 24, lineBreak: false });
    doc.fillColor(MUTED).font('body').fontSize(10).text(label, x + 12, y + 48, { width: tileWidth - 24, lineBreak: false });
  });
  doc.font('body').fontSize(11).fillColor(MUTED);
  doc.text(s.scope === 'own' ? 'Your own POCs and the dojos you took part in.' : "Every POC of your organisation's teams.", 50, height * 0.42 + 140);
  doc.text(`Generated ${s.asOf.slice(0, 16).replace('T', ' ')} UTC`, 50, height - 90);
}

function heading(doc: Doc, text: string): void {
  doc.fillColor(INK).font('bold').fontSize(16).text(text, 50, doc.y);
  doc.moveTo(50, doc.y + 4).lineTo(doc.page.width - 50, doc.y + 4).lineWidth(0.5).strokeColor(RULE).stroke();
  doc.y += 10;
}

function totals(doc: Doc, s: ReportSummary): void {
  doc.y = 50;
  heading(doc, 'Totals');
  const rows: [string, number][] = [
    ['POCs', s.totals.pocs],
    ['Languages', s.totals.languages],
    ['Tags', s.totals.tags],
    ['Members', s.totals.members],
    ...s.byStatus.map(({ value, count }): [string, number] => [`Status: ${STATUS_LABELS[value] ?? value}`, count]),
    ['Dojos held', s.dojos.held],
    ['Dojo participants', s.dojos.participants],
    ['Dojo minutes', s.dojos.minutes],
  ];
  let y = doc.y + 6;
  for (const [label, value] of rows) {
    doc.font('body').fontSize(11).fillColor(MUTED).text(label, 60, y, { lineBreak: false });
    doc.font('bold').fillColor(INK).text(String(value), 300, y, { width: 80, align: 'right', lineBreak: false });
    y += 18;
  }
  doc.y = y;
}

function monthCounts(months: readonly string[], s: ReportSummary): number[] {
  const byMonth = new Map(s.byMonth.map((m) => [m.month, m.count]));
  return months.map((m) => byMonth.get(m) ?? 0);
}

function monthChart(doc: Doc, months: readonly string[], s: ReportSummary, top: number): void {
  doc.y = top;
  heading(doc, 'POCs by month');
  const counts = monthCounts(months, s);
  const step = niceStep(Math.max(1, ...counts) / 4);
  const max = Math.max(1, Math.ceil(Math.max(1, ...counts) / step)) * step;
  const lines = Math.round(max / step);
  const left = 70;
  const right = doc.page.width - 50;
  const base = doc.y + 230;
  const h = 200;
  // Axis and three gridlines with their values.
  for (let i = 0; i <= lines; i++) {
    const y = base - (h * i) / lines;
    doc.moveTo(left, y).lineTo(right, y).lineWidth(0.4).strokeColor(RULE).stroke();
    doc.font('body').fontSize(7).fillColor(MUTED).text(String(step * i), 30, y - 4, { width: 34, align: 'right', lineBreak: false });
  }
  const slot = (right - left) / Math.max(1, counts.length);
  const every = Math.ceil(counts.length / 24);
  counts.forEach((n, i) => {
    const x = left + i * slot + slot * 0.15;
    const bh = (n / max) * h;
    if (bh > 0) doc.rect(x, base - bh, slot * 0.7, bh).fill(ACCENT);
    if (n > 0 && counts.length <= 24) doc.font('body').fontSize(7).fillColor(INK).text(String(n), x - 4, base - bh - 10, { width: slot * 0.7 + 8, align: 'center', lineBreak: false });
    if (i % every === 0) {
      const [year, month] = months[i]!.split('-');
      const label = counts.length <= 12 ? MONTH_NAMES[Number(month) - 1]! : `${MONTH_NAMES[Number(month) - 1]} ${year!.slice(2)}`;
      doc.font('body').fontSize(7).fillColor(MUTED).text(label, x - 6, base + 4, { width: slot * 0.7 + 12, align: 'center', lineBreak: false });
    }
  });
  doc.y = base + 24;
}

/** A round gridline step at least `raw`: 1, 2 or 5 times a power of ten. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
}

function barList(doc: Doc, items: readonly { value: string; count: number }[], top: number, color: string): void {
  const max = Math.max(1, ...items.map((i) => i.count));
  const labelWidth = 130;
  const left = 50 + labelWidth + 10;
  const width = doc.page.width - 50 - left - 40;
  let y = top;
  if (items.length === 0) {
    doc.font('body').fontSize(10).fillColor(MUTED).text('None in this period.', 50, y);
    doc.y = y + 20;
    return;
  }
  for (const item of items) {
    doc.font('body').fontSize(9).fillColor(INK).text(fit(doc, item.value, labelWidth), 50, y + 2, { width: labelWidth, align: 'right', lineBreak: false });
    const w = Math.max(1, (item.count / max) * width);
    doc.rect(left, y, w, 12).fill(color);
    doc.font('bold').fontSize(8).fillColor(INK).text(String(item.count), left + w + 4, y + 2, { lineBreak: false });
    y += 18;
  }
  doc.y = y;
}

/** `text` cut (with an ellipsis) to fit `width` at the current font and size. */
function fit(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (doc.widthOfString(`${text.slice(0, mid)}…`) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

const COLUMNS = [
  { title: 'Name', width: 185 },
  { title: 'Status', width: 60 },
  { title: 'Languages', width: 95 },
  { title: 'Tags', width: 100 },
  { title: 'Created', width: 55 },
] as const;

async function table(doc: Doc, pages: AsyncIterable<readonly Poc[]>): Promise<void> {
  const rowHeight = 14;
  const bottom = doc.page.height - 60;
  let y = 0;
  let row = 0;
  const header = () => {
    doc.addPage();
    doc.y = 50;
    heading(doc, 'POCs');
    y = doc.y + 2;
    let x = 50;
    doc.font('bold').fontSize(8).fillColor(MUTED);
    for (const c of COLUMNS) {
      doc.text(c.title, x, y, { lineBreak: false });
      x += c.width;
    }
    y += rowHeight;
  };
  header();
  for await (const page of pages) {
    for (const poc of page) {
      if (y + rowHeight > bottom) header();
      if (row++ % 2 === 0) doc.rect(46, y - 3, doc.page.width - 92, rowHeight).fill('#f3f5f9');
      const cells = [poc.name, STATUS_LABELS[poc.status] ?? poc.status, poc.languages.join(', '), poc.tags.join(', '), poc.createdAt.slice(0, 10)];
      let x = 50;
      cells.forEach((cell, i) => {
        const c = COLUMNS[i]!;
        doc.font(i === 0 ? 'bold' : 'body').fontSize(8).fillColor(INK);
        doc.text(fit(doc, cell, c.width - 6), x, y, { lineBreak: false });
        x += c.width;
      });
      y += rowHeight;
    }
  }
  if (row === 0) doc.font('body').fontSize(10).fillColor(MUTED).text('No POCs in this period.', 50, y);
}
