import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Poc } from '@poc/contracts';

/** The columns of the POC export, in order: the header row names them. */
export const CSV_COLUMNS = [
  'id',
  'name',
  'description',
  'status',
  'languages',
  'tags',
  'repoUrl',
  'startedAt',
  'finishedAt',
  'createdAt',
  'updatedAt',
  'createdBy',
  'version',
] as const satisfies readonly (keyof Poc)[];

/** Lists (languages, tags) in one cell, joined by this. */
export const CSV_LIST_SEPARATOR = '; ';

/**
 * Formula injection (CWE-1236): a spreadsheet runs a cell that begins with
 * `=`, `+`, `-` or `@` (and, through some importers, tab or carriage return),
 * so such a cell gets a leading `'`: shown as text, never evaluated.
 */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export function csvRecord(poc: Poc): string[] {
  return CSV_COLUMNS.map((column) => {
    const value = poc[column];
    const text = Array.isArray(value) ? value.join(CSV_LIST_SEPARATOR) : value === null ? '' : String(value);
    return neutralise(text);
  });
}

/**
 * The CSV of POC pages, streamed: RFC 4180 (CRLF line ends, fields quoted
 * when they hold a comma, a quote or a line break, quotes doubled), a header
 * row first, UTF-8 with a byte order mark when `bom` (spreadsheets then read
 * accents right). Pages are pulled as the client reads (backpressure), each
 * written as one chunk: one page in memory, and no per-row stream machinery.
 */
export function pocCsvStream(pages: AsyncIterable<readonly Poc[]>, options: { bom: boolean }): Readable {
  async function* chunks() {
    let first = true;
    for await (const page of pages) {
      if (page.length === 0) continue;
      yield stringify(page.map(csvRecord), { header: first, columns: [...CSV_COLUMNS], bom: first && options.bom, record_delimiter: 'windows' });
      first = false;
    }
    // Nothing matched: the header row alone.
    if (first) yield stringify([], { header: true, columns: [...CSV_COLUMNS], bom: options.bom, record_delimiter: 'windows' });
  }
  return Readable.from(chunks(), { objectMode: false });
}
