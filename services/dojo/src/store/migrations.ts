import { type Kysely, type Migration, sql } from 'kysely';
import { APP_ROLE, PostgresEventStore, migrate } from '@poc/platform';

const tenantPolicy = (table: string) => sql.raw(`
  alter table ${table} enable row level security;
  alter table ${table} force row level security;
  create policy tenant_isolation on ${table}
    using (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
  grant select, insert, update, delete on ${table} to ${APP_ROLE};
`);

/** The dojo service's own tables: pooled, tenant_id on every row, row-level security. */
export const dojoMigrations: Record<string, Migration> = {
  '001_dojos': {
    async up(db) {
      await sql`create schema if not exists dojo; grant usage on schema dojo to ${sql.raw(APP_ROLE)};`.execute(db);
      // The read model of GET /v1/dojos, written in the same transaction as the dojo's events.
      await sql`
        create table dojo.dojos (
          tenant_id uuid not null,
          id uuid primary key,
          title text not null,
          kata text,
          language text not null,
          status text not null,
          scheduled_at timestamptz,
          started_at timestamptz,
          ended_at timestamptz,
          rotation_minutes double precision not null,
          pilot text,
          rotation_ends_at timestamptz,
          participants jsonb not null,
          created_by text not null,
          created_at timestamptz not null,
          version integer not null
        );
        create index dojos_tenant_created on dojo.dojos (tenant_id, created_at desc, id desc);
      `.execute(db);
      await tenantPolicy('dojo.dojos').execute(db);
      // Document updates as they arrive (append only), folded into snapshots by compaction.
      await sql`
        create table dojo.updates (
          tenant_id uuid not null,
          dojo_id uuid not null,
          seq bigserial,
          data bytea not null,
          created_at timestamptz not null default now(),
          primary key (dojo_id, seq)
        );
        grant usage on sequence dojo.updates_seq_seq to ${sql.raw(APP_ROLE)};
      `.execute(db);
      await tenantPolicy('dojo.updates').execute(db);
      await sql`
        create table dojo.snapshots (
          tenant_id uuid not null,
          dojo_id uuid primary key,
          state bytea not null,
          text_length integer not null,
          updates_compacted bigint not null default 0,
          updated_at timestamptz not null
        );
      `.execute(db);
      await tenantPolicy('dojo.snapshots').execute(db);
    },
  },
  // Which process wrote an update (its `DocumentStore.writer`): its compaction folds its own rows without reading them back.
  '002_update_writer': {
    async up(db) {
      await sql`alter table dojo.updates add column writer uuid`.execute(db);
    },
  },
};

/** The event store's tables (shared, idempotent) and the dojo tables. */
export async function migrateDojo(db: Kysely<unknown>): Promise<void> {
  await PostgresEventStore.migrate(db);
  await migrate(db, 'dojo', dojoMigrations);
}
