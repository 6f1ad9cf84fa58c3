import { randomUUID } from 'node:crypto';
import { type Kysely, type Migration, sql } from 'kysely';
import type { Rebuild, RebuildableProjection } from '@poc/contracts';
import { type EventStore, asSystem, migrate } from '@poc/platform';
import { analyticsProjection, migrateProjections, rebuildProjection } from '@poc/projections';

/** `reports.rebuilds`: every rebuild a tenant (or an operator) started, and how far it got. */
export const reportsMigrations: Record<string, Migration> = {
  '001_rebuilds': {
    async up(db) {
      await sql`
        create schema if not exists reports;
        create table reports.rebuilds (
          id uuid primary key,
          tenant_id uuid not null,
          projection text not null,
          status text not null check (status in ('running', 'done', 'failed')),
          events integer not null default 0,
          total_events integer not null default 0,
          until timestamptz,
          started_at timestamptz not null default now(),
          finished_at timestamptz,
          error text
        );
        create index rebuilds_running on reports.rebuilds (tenant_id, projection) where status = 'running';
      `.execute(db);
    },
  },
};

export async function migrateReports(db: Kysely<unknown>): Promise<void> {
  await migrateProjections(db);
  await migrate(db, 'reports', reportsMigrations);
}

interface Row {
  id: string;
  projection: string;
  status: Rebuild['status'];
  events: number;
  total_events: number;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

const toRebuild = (r: Row): Rebuild => ({
  id: r.id,
  projection: r.projection,
  status: r.status,
  events: r.events,
  totalEvents: r.total_events,
  progress: r.status === 'done' ? 1 : r.total_events === 0 ? 0 : Math.min(1, r.events / r.total_events),
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  error: r.error,
});

export interface StartedRebuild {
  readonly id: string;
  /** Resolves when the rebuild is over (done or failed; never rejects). */
  readonly done: Promise<Rebuild>;
}

/**
 * Rebuilds of a tenant's projection from its history, run in this process
 * and recorded in `reports.rebuilds` with their progress (events replayed of
 * the tenant's events when it started). One at a time per tenant and
 * projection: asking again while one runs (in this process) returns it. A rebuild without
 * `until` goes into fresh tables swapped in when done (the live projector
 * keeps running and pauses only for the swap); with `until` it rebuilds the
 * past beside the live tables and leaves them there (suffix in the log).
 */
export class RebuildJobs {
  private readonly running = new Map<string, Promise<Rebuild>>();

  constructor(private readonly deps: { db: Kysely<unknown>; store: EventStore; batch: number; log?: (message: string) => void }) {}

  async start(tenantId: string, projection: RebuildableProjection, options: { until?: Date } = {}): Promise<StartedRebuild> {
    const { db } = this.deps;
    const id = randomUUID();
    const total = await asSystem(db, async (trx) => {
      const r = await sql<{ n: number }>`select count(*)::int as n from eventstore.events where tenant_id = ${tenantId}
        ${options.until ? sql`and occurred_at <= ${options.until}` : sql``}`.execute(trx);
      return r.rows[0]!.n;
    });
    // The partial index makes "one running per tenant and projection" a lookup; the advisory lock makes it a rule.
    const existing = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`rebuild:${tenantId}:${projection}`}))`.execute(trx);
      const running = await sql<{ id: string }>`select id from reports.rebuilds where tenant_id = ${tenantId} and projection = ${projection} and status = 'running'`.execute(trx);
      const mine = running.rows.find((r) => this.running.has(r.id));
      if (mine) return mine.id;
      // Running elsewhere or in a process that stopped: two rebuilds of one projection are safe (their own tables,
      // swaps serialised by the projection lock, the same result), so the new one supersedes the record.
      await sql`update reports.rebuilds set status = 'failed', finished_at = now(), error = 'superseded by a later rebuild'
        where tenant_id = ${tenantId} and projection = ${projection} and status = 'running'`.execute(trx);
      await sql`insert into reports.rebuilds (id, tenant_id, projection, status, total_events, until) values (${id}, ${tenantId}, ${projection}, 'running', ${total}, ${options.until ?? null})`.execute(trx);
      return null;
    });
    if (existing) return { id: existing, done: this.running.get(existing)! };
    const done = this.run(id, tenantId, projection, options.until).finally(() => this.running.delete(id));
    this.running.set(id, done);
    return { id, done };
  }

  private async run(id: string, tenantId: string, projection: RebuildableProjection, until: Date | undefined): Promise<Rebuild> {
    const { db, store } = this.deps;
    let saved = 0;
    let saving: Promise<unknown> = Promise.resolve();
    try {
      const result = await rebuildProjection({
        db,
        store,
        projection: analyticsProjection({ db, store }),
        scope: { tenantId },
        batchSize: this.deps.batch,
        ...(until ? { until, swap: false } : {}),
        onProgress: (events) => {
          // At most one progress write in flight; the last one lands with the outcome.
          if (events - saved < this.deps.batch) return;
          saved = events;
          saving = saving.then(() => sql`update reports.rebuilds set events = ${events} where id = ${id}`.execute(db)).catch(() => undefined);
        },
      });
      await saving;
      if (until) this.deps.log?.(`rebuild ${id}: ${projection} as of ${until.toISOString()} left beside the live tables, suffix ${result.target.suffix}`);
      await sql`update reports.rebuilds set status = 'done', events = ${result.events}, finished_at = now() where id = ${id}`.execute(db);
    } catch (error) {
      await saving;
      await sql`update reports.rebuilds set status = 'failed', finished_at = now(), error = ${error instanceof Error ? error.message : String(error)} where id = ${id}`.execute(db);
    }
    return (await this.get(tenantId, id))!;
  }

  /** A rebuild of this tenant, or null (none with this id, or another tenant's). */
  async get(tenantId: string, id: string): Promise<Rebuild | null> {
    const r = await sql<Row>`select id, projection, status, events, total_events, started_at, finished_at, error from reports.rebuilds
      where id = ${id} and tenant_id = ${tenantId}`.execute(this.deps.db);
    return r.rows[0] ? toRebuild(r.rows[0]) : null;
  }

  /** Wait for the rebuilds in flight (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
