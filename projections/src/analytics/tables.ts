import { type Kysely, sql } from 'kysely';
import type { DojoFacts, Poc, PocState } from '@poc/contracts';
import { tenantSchemaName } from '@poc/platform';
import { registerTenant } from '../runtime/store.ts';

/**
 * The analytics read model of a tenant (schema `tenant_<id>`), what the
 * reports count from:
 * - `analytics_pocs`: one row per POC as `evolvePoc` left it (a tombstone
 *   for a deleted one), with the columns the reports group by: month
 *   (`created_at`), author, status, languages, tags;
 * - `analytics_dojos`: one row per dojo (`evolveDojoFacts`): start, end,
 *   participants.
 * Counts per month, language, tag, status, member and the dojo figures are
 * `group by`s over these narrow rows for any period (`reports` service):
 * no counter to keep right under redeliveries, and a period can start at any
 * instant, not only on a month boundary.
 */
export const ANALYTICS_POCS = 'analytics_pocs';
export const ANALYTICS_DOJOS = 'analytics_dojos';

/** A rebuild's tables end with this suffix until the swap. */
export async function createAnalyticsTables(db: Kysely<unknown>, schema: string, suffix = ''): Promise<void> {
  const pocs = `${ANALYTICS_POCS}${suffix}`;
  const dojos = `${ANALYTICS_DOJOS}${suffix}`;
  await sql`create table if not exists ${sql.id(schema, pocs)} (
      id uuid primary key,
      version integer not null,
      deleted_at timestamptz,
      created_at timestamptz not null,
      created_by text not null,
      status text not null,
      languages text[] not null,
      tags text[] not null,
      poc jsonb not null
    )`.execute(db);
  // Exports page through a tenant's POCs newest first (keyset on created_at, id).
  await sql`create index if not exists ${sql.id(`${pocs}_created`)} on ${sql.id(schema, pocs)} (created_at desc, id desc) where deleted_at is null`.execute(db);
  await sql`create table if not exists ${sql.id(schema, dojos)} (
      id uuid primary key,
      version integer not null,
      started_at timestamptz,
      ended_at timestamptz,
      participants text[] not null,
      facts jsonb not null
    )`.execute(db);
}

/** Make a rebuild's tables (suffix) the live ones, in the caller's transaction. */
export async function swapAnalyticsTables(db: Kysely<unknown>, schema: string, suffix: string): Promise<void> {
  for (const live of [ANALYTICS_POCS, ANALYTICS_DOJOS]) {
    await sql`lock table ${sql.id(schema, live)} in access exclusive mode`.execute(db);
    await sql`drop table ${sql.id(schema, live)}`.execute(db);
    await sql`alter table ${sql.id(schema, `${live}${suffix}`)} rename to ${sql.id(live)}`.execute(db);
  }
  // The index keeps its name through a rename: give it the live one, so provisioning finds it.
  await sql`alter index if exists ${sql.id(schema, `${ANALYTICS_POCS}${suffix}_created`)} rename to ${sql.id(`${ANALYTICS_POCS}_created`)}`.execute(db);
}

export async function dropAnalyticsTables(db: Kysely<unknown>, schema: string, suffix: string): Promise<void> {
  for (const live of [ANALYTICS_POCS, ANALYTICS_DOJOS]) await sql`drop table if exists ${sql.id(schema, `${live}${suffix}`)}`.execute(db);
}

/** Create a tenant's analytics tables (idempotent) and record the tenant so rebuilds cover it. */
export async function provisionAnalytics(db: Kysely<unknown>, tenantId: string): Promise<void> {
  const schema = tenantSchemaName(tenantId);
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`read-model-${schema}`}))`.execute(trx);
    await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
    await createAnalyticsTables(trx, schema);
  });
  await registerTenant(db, tenantId);
}

/** Whether a tenant has analytics tables yet (none before its first POC or dojo event is projected). */
export async function hasAnalytics(db: Kysely<unknown>, tenantId: string): Promise<boolean> {
  const result = await sql<{ t: string | null }>`select to_regclass(${`${tenantSchemaName(tenantId)}.${ANALYTICS_POCS}`})::text as t`.execute(db);
  return Boolean(result.rows[0]?.t);
}

interface StoredPoc {
  id: string;
  deleted_at: Date | null;
  poc: Poc;
}

export async function loadAnalyticsPocs(db: Kysely<unknown>, schema: string, table: string, ids: readonly string[]): Promise<Map<string, PocState>> {
  if (ids.length === 0) return new Map();
  const result = await sql<StoredPoc>`select id, deleted_at, poc from ${sql.id(schema, table)} where id = any(${[...ids]}::uuid[])`.execute(db);
  return new Map(
    result.rows.map((r) => [r.id, r.deleted_at ? { kind: 'deleted', poc: r.poc, deletedAt: r.deleted_at.toISOString() } : { kind: 'active', poc: r.poc }]),
  );
}

export async function loadAnalyticsDojos(db: Kysely<unknown>, schema: string, table: string, ids: readonly string[]): Promise<Map<string, DojoFacts>> {
  if (ids.length === 0) return new Map();
  const result = await sql<{ facts: DojoFacts }>`select facts from ${sql.id(schema, table)} where id = any(${[...ids]}::uuid[])`.execute(db);
  return new Map(result.rows.map((r) => [r.facts.id, r.facts]));
}

/** Write POC rows; a row never goes back to an older version. */
export async function saveAnalyticsPocs(db: Kysely<unknown>, schema: string, table: string, states: readonly PocState[]): Promise<void> {
  const rows = states.flatMap((s) =>
    s.kind === 'absent'
      ? []
      : [{
          id: s.poc.id,
          version: s.poc.version,
          deleted_at: s.kind === 'deleted' ? s.deletedAt : null,
          created_at: s.poc.createdAt,
          created_by: s.poc.createdBy,
          status: s.poc.status,
          languages: s.poc.languages,
          tags: s.poc.tags,
          poc: s.poc,
        }],
  );
  if (rows.length === 0) return;
  await sql`
    insert into ${sql.id(schema, table)} as t (id, version, deleted_at, created_at, created_by, status, languages, tags, poc)
    select r.id, r.version, r.deleted_at, r.created_at, r.created_by, r.status,
      array(select jsonb_array_elements_text(r.languages)), array(select jsonb_array_elements_text(r.tags)), r.poc
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
      id uuid, version integer, deleted_at timestamptz, created_at timestamptz, created_by text, status text, languages jsonb, tags jsonb, poc jsonb)
    order by r.id
    on conflict (id) do update set version = excluded.version, deleted_at = excluded.deleted_at, created_at = excluded.created_at,
      created_by = excluded.created_by, status = excluded.status, languages = excluded.languages, tags = excluded.tags, poc = excluded.poc
    where t.version < excluded.version`.execute(db);
}

export async function saveAnalyticsDojos(db: Kysely<unknown>, schema: string, table: string, facts: readonly DojoFacts[]): Promise<void> {
  if (facts.length === 0) return;
  await sql`
    insert into ${sql.id(schema, table)} as t (id, version, started_at, ended_at, participants, facts)
    select (f->>'id')::uuid, (f->>'version')::integer, (f->>'startedAt')::timestamptz, (f->>'endedAt')::timestamptz,
      array(select jsonb_array_elements_text(f->'participants')), f
    from jsonb_array_elements(${JSON.stringify(facts)}::jsonb) as f
    order by 1
    on conflict (id) do update set version = excluded.version, started_at = excluded.started_at, ended_at = excluded.ended_at,
      participants = excluded.participants, facts = excluded.facts
    where t.version < excluded.version`.execute(db);
}
