import { type Kysely, type Migration, sql } from 'kysely';
import { APP_ROLE, PostgresEventStore, migrate } from '@poc/platform';

/**
 * The video service's table: one row per (tenant, user, year), the state the
 * API answers and the worker's queue at once (claimed with SKIP LOCKED, so
 * any number of worker processes share it). Pooled, tenant_id on every row,
 * row-level security.
 */
export const videoMigrations: Record<string, Migration> = {
  '001_videos': {
    async up(db) {
      await sql`
        create schema if not exists video;
        grant usage on schema video to ${sql.raw(APP_ROLE)};
        create table video.videos (
          tenant_id uuid not null,
          id uuid primary key,
          user_id text not null,
          year integer not null,
          resolution text not null,
          generation integer not null,
          status text not null check (status in ('queued', 'rendering', 'done', 'failed')),
          progress double precision not null default 0,
          attempts integer not null default 0,
          next_attempt_at timestamptz not null default now(),
          claimed_by text,
          lease_until timestamptz,
          started_at timestamptz,
          duration_seconds double precision,
          blob_key text,
          bytes bigint,
          error text,
          requested_at timestamptz not null,
          updated_at timestamptz not null,
          unique (tenant_id, user_id, year)
        );
        create index videos_queue on video.videos (next_attempt_at) where status = 'queued';
        create index videos_tenant_started on video.videos (tenant_id, started_at);
        alter table video.videos enable row level security;
        alter table video.videos force row level security;
        create policy tenant_isolation on video.videos
          using (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
          with check (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
        grant select, insert, update on video.videos to ${sql.raw(APP_ROLE)};
      `.execute(db);
    },
  },
};

/** The event store's tables (shared, idempotent) and the video table. */
export async function migrateVideo(db: Kysely<unknown>): Promise<void> {
  await PostgresEventStore.migrate(db);
  await migrate(db, 'video', videoMigrations);
}
