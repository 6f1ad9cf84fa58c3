import { type Kysely, type RawBuilder, sql } from 'kysely';
import { tenantSchemaName } from '@poc/platform';
import { ANALYTICS_DOJOS, ANALYTICS_POCS, hasAnalytics } from '@poc/projections';
import type { SummaryCounts, SummaryScope } from './summarise.ts';

const EMPTY: SummaryCounts = {
  pocs: 0,
  byMonth: new Map(),
  byLanguage: new Map(),
  byTag: new Map(),
  byStatus: new Map(),
  byMember: new Map(),
  dojos: { held: 0, participants: 0, minutes: 0 },
};

type Pairs = [string, number][] | null;

/**
 * Today's counts, from the analytics projection's tables: one statement,
 * `group by`s over the POCs that exist and were created in the period (and,
 * for a member, are theirs), and the dojos held that started in it.
 */
export async function currentCounts(db: Kysely<unknown>, tenantId: string, scope: SummaryScope): Promise<SummaryCounts> {
  if (!(await hasAnalytics(db, tenantId))) return EMPTY;
  const schema = tenantSchemaName(tenantId);
  const and = (parts: (RawBuilder<unknown> | null)[]) => sql.join(parts.filter((p) => p !== null), sql` and `);
  const pocWhere = and([
    sql`deleted_at is null`,
    scope.from ? sql`created_at >= ${scope.from}::timestamptz` : null,
    scope.to ? sql`created_at < ${scope.to}::timestamptz` : null,
    scope.member ? sql`created_by = ${scope.member}` : null,
  ]);
  const dojoWhere = and([
    sql`started_at is not null and ended_at is not null`,
    scope.from ? sql`started_at >= ${scope.from}::timestamptz` : null,
    scope.to ? sql`started_at < ${scope.to}::timestamptz` : null,
    scope.member ? sql`${scope.member} = any(participants)` : null,
  ]);
  const pairs = (inner: RawBuilder<unknown>) => sql`(select json_agg(json_build_array(k, n)) from (${inner}) g)`;
  const result = await sql<{ pocs: number; by_month: Pairs; by_language: Pairs; by_tag: Pairs; by_status: Pairs; by_member: Pairs; held: number; participants: number; minutes: number }>`
    with p as materialized (select created_at, created_by, status, languages, tags from ${sql.id(schema, ANALYTICS_POCS)} where ${pocWhere}),
      d as materialized (select started_at, ended_at, participants from ${sql.id(schema, ANALYTICS_DOJOS)} where ${dojoWhere})
    select
      (select count(*)::int from p) as pocs,
      ${pairs(sql`select to_char(created_at at time zone 'UTC', 'YYYY-MM') as k, count(*)::int as n from p group by 1`)} as by_month,
      ${pairs(sql`select l as k, count(*)::int as n from p, unnest(p.languages) l group by 1`)} as by_language,
      ${pairs(sql`select t as k, count(*)::int as n from p, unnest(p.tags) t group by 1`)} as by_tag,
      ${pairs(sql`select status as k, count(*)::int as n from p group by 1`)} as by_status,
      ${pairs(sql`select created_by as k, count(*)::int as n from p group by 1`)} as by_member,
      (select count(*)::int from d) as held,
      (select count(distinct x)::int from d, unnest(d.participants) x) as participants,
      (select coalesce(sum(round(extract(epoch from ended_at - started_at) / 60)), 0)::int from d where ended_at > started_at) as minutes`.execute(db);
  const r = result.rows[0]!;
  const map = (p: Pairs) => new Map(p ?? []);
  return {
    pocs: r.pocs,
    byMonth: map(r.by_month),
    byLanguage: map(r.by_language),
    byTag: map(r.by_tag),
    byStatus: map(r.by_status),
    byMember: map(r.by_member),
    dojos: { held: r.held, participants: r.participants, minutes: r.minutes },
  };
}
