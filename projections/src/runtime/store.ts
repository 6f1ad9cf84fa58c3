import { type Kysely, type Migration, sql } from 'kysely';
import { migrate } from '@poc/platform';

/**
 * The projector's own tables (schema `projections`):
 * - `checkpoints`: per projection and source (`log:0` for the Postgres log,
 *   `<topic>:<partition>` for Kafka), written in the same transaction as the
 *   read-model change;
 * - `tenants`: the tenants whose read models exist (a rebuild covers them all).
 */
export const projectionMigrations: Record<string, Migration> = {
  '001_projections': {
    async up(db) {
      await sql`
        create schema if not exists projections;
        create table projections.checkpoints (
          projection text not null,
          source text not null,
          cursor text not null,
          updated_at timestamptz not null default now(),
          primary key (projection, source)
        );
        create table projections.tenants (
          tenant_id uuid primary key,
          provisioned_at timestamptz not null default now()
        );
      `.execute(db);
    },
  },
};

export async function migrateProjections(db: Kysely<unknown>): Promise<void> {
  await migrate(db, 'projections', projectionMigrations);
}

export async function loadCheckpoints(db: Kysely<unknown>, projection: string): Promise<Record<string, string>> {
  const rows = await sql<{ source: string; cursor: string }>`
    select source, cursor from projections.checkpoints where projection = ${projection}`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.source, r.cursor]));
}

export async function saveCheckpoints(db: Kysely<unknown>, projection: string, cursors: ReadonlyMap<string, string>): Promise<void> {
  if (cursors.size === 0) return;
  const values = sql.join([...cursors].map(([source, cursor]) => sql`(${projection}, ${source}, ${cursor}, now())`));
  await sql`
    insert into projections.checkpoints (projection, source, cursor, updated_at) values ${values}
    on conflict (projection, source) do update set cursor = excluded.cursor, updated_at = excluded.updated_at`.execute(db);
}

export async function registeredTenants(db: Kysely<unknown>): Promise<string[]> {
  const rows = await sql<{ tenant_id: string }>`select tenant_id from projections.tenants order by tenant_id`.execute(db);
  return rows.rows.map((r) => r.tenant_id);
}

export async function registerTenant(db: Kysely<unknown>, tenantId: string): Promise<void> {
  await sql`insert into projections.tenants (tenant_id) values (${tenantId}) on conflict do nothing`.execute(db);
}
