import { type Kysely, type Migration, sql } from 'kysely';
import { APP_ROLE, PostgresEventStore, migrate } from '@poc/platform';

/** The pocs service's own tables (the events live in the platform's event store). */
export const pocsMigrations: Record<string, Migration> = {
  '001_idempotency_keys': {
    async up(db) {
      await sql`
        create schema if not exists pocs;
        grant usage on schema pocs to ${sql.raw(APP_ROLE)};
        -- One row per (tenant, Idempotency-Key): written in the transaction that appends the
        -- events the request caused, so an acknowledged write always has its key and a key
        -- never exists without its write.
        create table pocs.idempotency_keys (
          tenant_id uuid not null,
          key text not null,
          fingerprint text not null,
          status_code integer not null,
          body jsonb not null,
          consistency_token text not null,
          created_at timestamptz not null default now(),
          primary key (tenant_id, key)
        );
        create index idempotency_keys_created_at on pocs.idempotency_keys (created_at);
        alter table pocs.idempotency_keys enable row level security;
        alter table pocs.idempotency_keys force row level security;
        create policy tenant_isolation on pocs.idempotency_keys
          using (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
          with check (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
        grant select, insert on pocs.idempotency_keys to ${sql.raw(APP_ROLE)};
      `.execute(db);
    },
  },
};

/** Everything the service needs in PostgreSQL: the event store's tables, then its own. */
export async function migratePocs(db: Kysely<unknown>): Promise<void> {
  await PostgresEventStore.migrate(db);
  await migrate(db, 'pocs', pocsMigrations);
}
