import { type Kysely, sql } from 'kysely';
import type { Poc, PocState } from '@poc/contracts';
import { type TenantDatabases, type TenantProvisioningStep, tenantSchemaName } from '@poc/platform';
import { migrateProjections, registerTenant } from '../runtime/store.ts';

/** The live read-model table of a tenant's POCs (in schema `tenant_<id without dashes>`). */
export const POCS_TABLE = 'pocs';

/**
 * A row of `tenant_<id>.pocs`: the POC as the API serves it (`poc`, exactly
 * what `evolvePoc` built), its stream version, and `deleted_at` for a deleted
 * POC (a tombstone: a read that waits for a delete's version sees it, and a
 * late duplicate of an older event cannot bring the POC back).
 */
export interface PocRow {
  readonly id: string;
  readonly version: number;
  readonly deletedAt: string | null;
  readonly poc: Poc;
}

export async function createPocTable(db: Kysely<unknown>, schema: string, table: string): Promise<void> {
  await sql`create table if not exists ${sql.id(schema, table)} (
      id uuid primary key,
      version integer not null,
      deleted_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      status text not null,
      poc jsonb not null
    )`.execute(db);
}

/**
 * Create a tenant's POC read model (schema and table) and record the tenant
 * so rebuilds cover it. Idempotent; run at onboarding and again, harmlessly,
 * when a tenant's first event arrives.
 */
export async function provisionPocReadModel(db: Kysely<unknown>, tenantId: string): Promise<void> {
  const schema = tenantSchemaName(tenantId);
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`read-model-${schema}`}))`.execute(trx);
    await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
    await createPocTable(trx, schema, POCS_TABLE);
  });
  await registerTenant(db, tenantId);
}

/**
 * The onboarding step of identity's `TenantProvisioner`: the tenant's POC
 * read model in its schema (pooled database or silo), recorded for rebuilds.
 * Idempotent, as steps must be.
 *
 * @example
 * new TenantProvisioner([postgresSchemaStep(databases), pocReadModelStep(databases), searchIndexStep(search)]);
 */
export function pocReadModelStep(databases: TenantDatabases): TenantProvisioningStep {
  const migrated = new WeakMap<Kysely<unknown>, Promise<void>>();
  return {
    name: 'poc-read-model',
    async provision(tenant) {
      const db = databases.for(tenant);
      if (!migrated.has(db)) migrated.set(db, migrateProjections(db));
      await migrated.get(db);
      await sql`create schema if not exists ${sql.id(tenant.schema)}`.execute(db);
      await createPocTable(db, tenant.schema, POCS_TABLE);
      await registerTenant(db, tenant.tenantId);
    },
  };
}

interface Stored {
  id: string;
  version: number;
  deleted_at: Date | null;
  poc: Poc;
}

const toRow = (r: Stored): PocRow => ({ id: r.id, version: r.version, deletedAt: r.deleted_at?.toISOString() ?? null, poc: r.poc });

/** The rows of these ids (missing ones are absent from the map). */
export async function loadPocRows(db: Kysely<unknown>, tenantId: string, ids: readonly string[], table = POCS_TABLE): Promise<Map<string, PocRow>> {
  const result = await sql<Stored>`
    select id, version, deleted_at, poc from ${sql.id(tenantSchemaName(tenantId), table)} where id = any(${[...ids]}::uuid[])`.execute(db);
  return new Map(result.rows.map((r) => [r.id, toRow(r)]));
}

/** One POC row, or null when the tenant has none with this id (or no read model yet). */
export async function readPocRow(db: Kysely<unknown>, tenantId: string, id: string): Promise<PocRow | null> {
  const schema = tenantSchemaName(tenantId);
  const exists = await sql<{ t: string | null }>`select to_regclass(${`${schema}.${POCS_TABLE}`})::text as t`.execute(db);
  if (!exists.rows[0]?.t) return null;
  return (await loadPocRows(db, tenantId, [id])).get(id) ?? null;
}

export function stateOf(row: PocRow | undefined): PocState {
  if (!row) return { kind: 'absent' };
  return row.deletedAt ? { kind: 'deleted', poc: row.poc, deletedAt: row.deletedAt } : { kind: 'active', poc: row.poc };
}

/** Write the rows; a row never goes back to an older version. */
export async function savePocRows(db: Kysely<unknown>, tenantId: string, states: readonly PocState[], table = POCS_TABLE): Promise<void> {
  const rows = states.flatMap((s) =>
    s.kind === 'absent'
      ? []
      : [{
          id: s.poc.id,
          version: s.poc.version,
          deleted_at: s.kind === 'deleted' ? s.deletedAt : null,
          created_at: s.poc.createdAt,
          updated_at: s.poc.updatedAt,
          status: s.poc.status,
          poc: s.poc,
        }],
  );
  if (rows.length === 0) return;
  await sql`
    insert into ${sql.id(tenantSchemaName(tenantId), table)} as t (id, version, deleted_at, created_at, updated_at, status, poc)
    select r.id, r.version, r.deleted_at, r.created_at, r.updated_at, r.status, r.poc
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
      id uuid, version integer, deleted_at timestamptz, created_at timestamptz, updated_at timestamptz, status text, poc jsonb)
    order by r.id
    on conflict (id) do update set version = excluded.version, deleted_at = excluded.deleted_at, created_at = excluded.created_at,
      updated_at = excluded.updated_at, status = excluded.status, poc = excluded.poc
    where t.version < excluded.version`.execute(db);
}

/**
 * A checksum of a tenant's read model (ids, versions, tombstones and the
 * POCs themselves), to compare a live table with a fresh rebuild.
 */
export async function pocReadModelChecksum(db: Kysely<unknown>, tenantId: string, table = POCS_TABLE): Promise<{ rows: number; md5: string }> {
  const result = await sql<{ rows: number; md5: string }>`
    select count(*)::int as rows,
      md5(coalesce(string_agg(id::text || ':' || version || ':' || coalesce(deleted_at::text, '-') || ':' || poc::text, E'\\n' order by id), '')) as md5
    from ${sql.id(tenantSchemaName(tenantId), table)}`.execute(db);
  return result.rows[0]!;
}
