import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Poc, PocSearchFilters } from '@poc/contracts';
import { type SearchPort, tenantSchemaName } from '@poc/platform';
import { ANALYTICS_POCS, hasAnalytics } from '@poc/projections';

export interface ExportSource {
  readonly db: Kysely<unknown>;
  readonly search: SearchPort;
  /** POCs per page: what an export holds in memory at once. */
  readonly pageSize: number;
}

/** What to export: the filters of `GET /v1/pocs`, and for a member their own POCs only. */
export interface ExportSelection {
  readonly filters: PocSearchFilters;
  /** Only POCs created by this user (a member's exports); null: every POC of the tenant. */
  readonly createdBy: string | null;
}

/**
 * A tenant's POCs that match, page by page, in the order `GET /v1/pocs`
 * gives them. Newest first without free text (the default): keyset pages over
 * the analytics read model (`(created_at, id) < last`, on its index), so each
 * page is one index range scan and no connection or snapshot is held between
 * pages (a slow download holds nothing); the next page is read while one is
 * consumed. With `q`,
 * `name` or another sort, matching and order are the search engine's: pages
 * of the search port, cursor to cursor, so the export lists exactly what the
 * search finds.
 */
export async function* pocPages(source: ExportSource, tenantId: string, selection: ExportSelection): AsyncGenerator<readonly Poc[]> {
  const f = selection.filters;
  const text = Boolean(f.q?.trim() || f.name?.trim());
  const sort = f.sort ?? (text ? 'relevance' : '-createdAt');
  if (sort === '-createdAt' && !text) {
    yield* readModelPages(source, tenantId, selection);
    return;
  }
  let cursor: string | null = null;
  do {
    const page = await source.search.search(tenantId, {
      ...f,
      ...(selection.createdBy ? { createdBy: selection.createdBy } : {}),
      limit: Math.min(source.pageSize, 500),
      cursor,
    });
    if (page.hits.length > 0) yield page.hits.map((h) => ({ ...h.document, languages: [...h.document.languages], tags: [...h.document.tags] }));
    cursor = page.nextCursor;
  } while (cursor);
}

async function* readModelPages(source: ExportSource, tenantId: string, selection: ExportSelection): AsyncGenerator<readonly Poc[]> {
  if (!(await hasAnalytics(source.db, tenantId))) return;
  const f = selection.filters;
  const table = sql.id(tenantSchemaName(tenantId), ANALYTICS_POCS);
  const filters = [
    sql`deleted_at is null`,
    f.languages?.length ? sql`languages && ${[...f.languages]}::text[]` : null,
    f.tags?.length ? sql`tags @> ${[...f.tags]}::text[]` : null,
    f.status ? sql`status = ${f.status}` : null,
    f.from ? sql`created_at >= ${f.from}::timestamptz` : null,
    f.to ? sql`created_at < ${f.to}::timestamptz` : null,
    selection.createdBy ? sql`created_by = ${selection.createdBy}` : null,
  ].filter((x) => x !== null);
  const page = async (after: { createdAt: string; id: string } | null) => {
    const keyset: RawBuilder<unknown>[] = after ? [sql`(created_at, id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`] : [];
    const result: { rows: { poc: Poc; k: string }[] } = await sql<{ poc: Poc; k: string }>`
      select poc, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as k from ${table}
      where ${sql.join([...filters, ...keyset], sql` and `)}
      order by created_at desc, id desc limit ${source.pageSize}`.execute(source.db);
    return result.rows;
  };
  let next = page(null);
  for (;;) {
    const rows = await next;
    if (rows.length === 0) return;
    const more = rows.length === source.pageSize;
    if (more) {
      // Read the next page while this one is written: the database and the serialisation overlap instead of
      // taking turns (two pages in memory at most). A consumer that stops early leaves it to finish unread.
      const last = rows[rows.length - 1]!;
      next = page({ createdAt: last.k, id: last.poc.id });
      next.catch(() => undefined);
    }
    yield rows.map((r) => r.poc);
    if (!more) return;
  }
}
