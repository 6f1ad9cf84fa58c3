import {
  PocCsvQuery,
  PocPdfQuery,
  Problem,
  Rebuild,
  RebuildAccepted,
  RebuildParams,
  RebuildRequest,
  ReportSummary,
  ReportSummaryQuery,
  pocSearchFilters,
  ref,
  reportSchemas,
} from '@poc/contracts';
import type { Kysely } from 'kysely';
import { type App, type EventStore, NotFoundError, type Principal, type Role, type SearchPort, ValidationError, hasAnyRole, principalOf } from '@poc/platform';
import { REPORTS_ERR } from '../errors.ts';
import { pocCsvStream } from '../export/csv.ts';
import { pocPdfStream } from '../export/pdf.ts';
import { type ExportSource, pocPages } from '../export/source.ts';
import type { RebuildJobs } from '../rebuilds/jobs.ts';
import { currentCounts } from '../summary/current.ts';
import { replayCounts } from '../summary/replay.ts';
import { type SummaryScope, toSummary } from '../summary/summarise.ts';

export interface ReportRoutesOptions {
  db: Kysely<unknown>;
  store: EventStore;
  search: SearchPort;
  jobs: RebuildJobs;
  exportPageSize: number;
  replayBatch: number;
}

/** Who reads the whole tenant's reports; anyone else (a member) gets their own POCs only. */
export const REPORT_READERS: readonly Role[] = ['owner', 'admin', 'analyst'];
const ownOnly = (principal: Principal): string | null => (hasAnyRole(principal, REPORT_READERS) ? null : principal.userId);

const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ref(Problem)]));

const periodError = (field: string, message: string) =>
  new ValidationError(REPORTS_ERR.PERIOD, `The period is invalid: ${field} ${message}.`, [{ path: `querystring.${field}`, message }]);

function checkPeriod(from: string | undefined, to: string | undefined): void {
  if (from && to && Date.parse(from) >= Date.parse(to)) throw periodError('to', 'must be after from');
}

/** `year` (a calendar year, UTC) or `from`/`to`; neither: the current year. */
function pdfPeriod(q: PocPdfQuery, now: Date): { from: string | null; to: string | null; label: string } {
  if (q.year !== undefined) {
    if (q.from || q.to) throw periodError('year', 'cannot be combined with from or to');
    return { from: `${q.year}-01-01T00:00:00.000Z`, to: `${q.year + 1}-01-01T00:00:00.000Z`, label: String(q.year) };
  }
  if (!q.from && !q.to) return pdfPeriod({ year: now.getUTCFullYear() }, now);
  checkPeriod(q.from, q.to);
  return {
    from: q.from ?? null,
    to: q.to ?? null,
    label: `${q.from ? q.from.slice(0, 10) : 'the beginning'} – ${q.to ? new Date(Date.parse(q.to) - 1).toISOString().slice(0, 10) : 'today'}`,
  };
}

/** The months (YYYY-MM) of a period for the chart: from its first to its last month (or those with POCs when open-ended). */
function monthsOf(from: string | null, to: string | null, withPocs: readonly { month: string }[]): string[] {
  const first = from ? from.slice(0, 7) : withPocs[0]?.month;
  const last = to ? new Date(Date.parse(to) - 1).toISOString().slice(0, 7) : withPocs[withPocs.length - 1]?.month ?? new Date().toISOString().slice(0, 7);
  if (!first) return [];
  const months: string[] = [];
  let [y, m] = first.split('-').map(Number) as [number, number];
  for (let guard = 0; guard < 600; guard++) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > last) break;
    months.push(month);
    if (++m > 12) [y, m] = [y + 1, 1];
  }
  return months;
}

/**
 * The Reports routes of API.md: the POC export (CSV, streamed), the designed
 * report (PDF), the summary (today's from the analytics projection, or as of
 * an instant by replaying the tenant's events), and projection rebuilds.
 * Owners, admins and analysts see the tenant's data; a member's exports and
 * summary cover their own POCs (and the dojos they joined) only.
 */
export async function reportRoutes(app: App, opts: ReportRoutesOptions): Promise<void> {
  for (const schema of [...reportSchemas, Problem]) app.addSchema(schema);
  const source: ExportSource = { db: opts.db, search: opts.search, pageSize: opts.exportPageSize };

  app.get(
    '/v1/reports/pocs.csv',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['reports'],
        summary: 'Export POCs as CSV',
        description:
          'Every POC the same filters of `GET /v1/pocs` find (newest first unless `sort` or free text says otherwise), streamed: a header row, RFC 4180 quoting, CRLF, UTF-8 (with a BOM when `bom=true`). Lists are joined with "; ". A cell that begins with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `\'` (no formula runs). Members export their own POCs only.',
        security: [{ bearer: [] }],
        querystring: PocCsvQuery,
        produces: ['text/csv'],
        response: { 200: { description: 'text/csv', type: 'string' }, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { bom, ...filters } = request.query;
      checkPeriod(filters.from, filters.to);
      const pages = pocPages(source, principal.tenantId, { filters: pocSearchFilters(filters), createdBy: ownOnly(principal) });
      // Pull the first page before answering: a bad cursor or an engine down is still a problem+json, not a cut stream.
      const first = await pages.next();
      async function* all() {
        if (first.done) return;
        yield first.value;
        yield* pages;
      }
      const stream = pocCsvStream(all(), { bom: bom === true });
      stream.on('error', (error) => request.log.error({ err: error }, 'the CSV export failed while streaming'));
      return reply
        .header('content-type', 'text/csv; charset=utf-8; header=present')
        .header('content-disposition', 'attachment; filename="pocs.csv"')
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );

  app.get(
    '/v1/reports/pocs.pdf',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['reports'],
        summary: 'POC report as PDF',
        description:
          'A designed report for a calendar `year` or a `from`/`to` period (default: this year): cover, totals (equal to `GET /v1/reports/summary` for the period), charts (POCs by month, top languages, top tags) and the table of POCs created in the period. Members get their own POCs.',
        security: [{ bearer: [] }],
        querystring: PocPdfQuery,
        produces: ['application/pdf'],
        response: { 200: { description: 'application/pdf', type: 'string' }, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const now = new Date();
      const period = pdfPeriod(request.query, now);
      const scope: SummaryScope = { from: period.from, to: period.to, member: ownOnly(principal) };
      const summary = toSummary(await currentCounts(opts.db, principal.tenantId, scope), scope, now.toISOString());
      const filters = pocSearchFilters({ ...(period.from ? { from: period.from } : {}), ...(period.to ? { to: period.to } : {}) });
      const doc = pocPdfStream({
        period: period.label,
        months: monthsOf(period.from, period.to, summary.byMonth),
        summary,
        pages: pocPages(source, principal.tenantId, { filters, createdBy: scope.member }),
      });
      doc.on('error', (error: unknown) => request.log.error({ err: error }, 'the PDF report failed while streaming'));
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="pocs-${period.label.replace(/[^0-9A-Za-z-]+/g, '_')}.pdf"`)
        .header('cache-control', 'no-store')
        .send(doc);
    },
  );

  app.get(
    '/v1/reports/summary',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['reports'],
        summary: 'Counts of POCs and dojos',
        description:
          "POCs that exist and were created in [`from`, `to`) by month, language, tag, status and member, and the dojos held (started in the period and ended): from the analytics projection, or with `asOf` as they were at that instant, by replaying the tenant's events up to it (later edits and deletes do not change the past). A member gets `scope: own`: their POCs and the dojos they joined.",
        security: [{ bearer: [] }],
        querystring: ReportSummaryQuery,
        response: { 200: ref(ReportSummary), ...problems(400, 401, 429) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      checkPeriod(q.from, q.to);
      const now = new Date();
      if (q.asOf && Date.parse(q.asOf) > now.getTime()) throw periodError('asOf', 'must not be in the future');
      const scope: SummaryScope = { from: q.from ?? null, to: q.to ?? null, member: ownOnly(principal) };
      if (!q.asOf) return toSummary(await currentCounts(opts.db, principal.tenantId, scope), scope, now.toISOString());
      const asOf = new Date(q.asOf);
      const replay = await replayCounts(opts.store, principal.tenantId, asOf, scope, { batch: opts.replayBatch });
      request.log.info({ events: replay.events, seconds: replay.seconds }, 'as-of summary replayed');
      return toSummary(replay.counts, scope, asOf.toISOString());
    },
  );

  app.post(
    '/v1/reports/rebuilds',
    {
      onRequest: [app.authenticate],
      preHandler: [app.requireRoles(...REPORT_READERS)],
      schema: {
        tags: ['reports'],
        summary: 'Rebuild a projection from the history',
        description: "Replays the tenant's events from the beginning into fresh tables and swaps them in when done (reads go on meanwhile). One at a time per projection: asking again while one runs returns it. Owners, admins and analysts.",
        security: [{ bearer: [] }],
        body: ref(RebuildRequest),
        response: { 202: ref(RebuildAccepted), ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const started = await opts.jobs.start(principalOf(request).tenantId, request.body.projection);
      return reply.code(202).header('location', `/v1/reports/rebuilds/${started.id}`).send({ id: started.id });
    },
  );

  app.get(
    '/v1/reports/rebuilds/:id',
    {
      onRequest: [app.authenticate],
      preHandler: [app.requireRoles(...REPORT_READERS)],
      schema: {
        tags: ['reports'],
        summary: 'A rebuild and its progress',
        description: 'Status, events replayed of the total, progress 0..1. 404 for an id that is not one of your tenant.',
        security: [{ bearer: [] }],
        params: RebuildParams,
        response: { 200: ref(Rebuild), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const rebuild = await opts.jobs.get(principalOf(request).tenantId, request.params.id.toLowerCase());
      if (!rebuild) throw new NotFoundError(REPORTS_ERR.REBUILD_NOT_FOUND, 'There is no rebuild with this id.');
      return rebuild;
    },
  );
}
