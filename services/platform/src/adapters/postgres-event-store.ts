import { type Kysely, type Migration, type Transaction, sql } from 'kysely';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { migrate } from '../db/migrate.ts';
import { ConcurrencyError } from '../errors.ts';
import type { AppendContext, NewEvent, StoredEvent } from '../ports/events.ts';
import { topicFor } from '../ports/events.ts';
import type { AppendResult, EventStore, ExpectedVersion } from '../ports/event-store.ts';

/** The role tenant-scoped transactions switch to, so row-level security applies even to a superuser connection. */
export const APP_ROLE = 'poc_app';
const NOTIFY_CHANNEL = 'eventstore_appended';

export const eventStoreMigrations: Record<string, Migration> = {
  '001_event_store': {
    async up(db) {
      await sql`
        do $$ begin
          if not exists (select from pg_roles where rolname = ${sql.lit(APP_ROLE)}) then
            create role ${sql.raw(APP_ROLE)} nologin;
          end if;
        end $$;
        grant ${sql.raw(APP_ROLE)} to current_user;
        create schema if not exists eventstore;
        grant usage on schema eventstore to ${sql.raw(APP_ROLE)};
        create table eventstore.events (
          position bigserial primary key,
          tx_id xid8 not null default pg_current_xact_id(),
          id uuid not null unique,
          tenant_id uuid not null,
          stream_id text not null,
          version integer not null check (version > 0),
          type text not null,
          schema_version integer not null,
          data jsonb not null,
          actor text not null,
          correlation_id text not null,
          causation_id text,
          traceparent text,
          occurred_at timestamptz not null,
          unique (stream_id, version)
        );
        create index events_log on eventstore.events (tx_id, position);
        create index events_tenant_log on eventstore.events (tenant_id, tx_id, position);
        create table eventstore.outbox (
          position bigint primary key references eventstore.events (position),
          tenant_id uuid not null,
          topic text not null,
          message_key text not null,
          created_at timestamptz not null default now(),
          published_at timestamptz
        );
        create index outbox_pending on eventstore.outbox (position) where published_at is null;
        create table eventstore.subscriptions (
          subscription text primary key,
          cursor text,
          updated_at timestamptz not null default now()
        );
        alter table eventstore.events enable row level security;
        alter table eventstore.events force row level security;
        alter table eventstore.outbox enable row level security;
        alter table eventstore.outbox force row level security;
        create policy tenant_isolation on eventstore.events
          using (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
          with check (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
        create policy tenant_isolation on eventstore.outbox
          using (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
          with check (current_setting('app.system', true) = 'on' or tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
        grant select, insert on eventstore.events, eventstore.outbox to ${sql.raw(APP_ROLE)};
        grant usage on sequence eventstore.events_position_seq to ${sql.raw(APP_ROLE)};
      `.execute(db);
    },
  },
  '002_dead_letters': {
    async up(db) {
      await sql`
        create table eventstore.dead_letters (
          subscription text not null,
          event_id uuid not null,
          cursor text not null,
          error text not null,
          attempts integer not null,
          created_at timestamptz not null default now(),
          primary key (subscription, event_id)
        )`.execute(db);
    },
  },
};

/**
 * Run `fn` in a transaction scoped to one tenant: row-level security applies
 * (role `poc_app`, `app.tenant_id` set), so a query that forgets its tenant
 * filter still cannot see another tenant's rows.
 */
export async function withTenant<DB, T>(db: Kysely<DB>, tenantId: string, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    // One round trip: `set_config('role', …, true)` is `set local role`.
    await sql`select set_config('app.tenant_id', ${tenantId}, true), set_config('app.system', 'off', true), set_config('role', ${APP_ROLE}, true)`.execute(trx);
    return fn(trx);
  });
}

/** Run `fn` in a transaction that may read every tenant's rows (projectors, relays, replays). */
export async function asSystem<DB, T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('app.system', 'on', true)`.execute(trx);
    return fn(trx);
  });
}

/**
 * Append inside a transaction the caller already holds, so a service writes its
 * own rows and its events atomically (identity: the tenant row and
 * `tenant.onboarded`). The caller scopes the transaction to the tenant
 * (`withTenant`); the events commit or roll back with it.
 *
 * @example
 * await withTenant(db, tenantId, async (trx) => {
 *   await trx.insertInto('identity.tenants').values(row).execute();
 *   await appendInTransaction(trx, `tenant-${tenantId}`, 'no_stream', [onboarded], ctx);
 * });
 */
export async function appendInTransaction<DB>(
  trx: Transaction<DB>,
  streamId: string,
  expected: ExpectedVersion,
  events: readonly NewEvent[],
  context: AppendContext,
): Promise<AppendResult> {
  if (events.length === 0) throw new Error('append needs at least one event');
  const aggregateId = streamId.slice(streamId.indexOf('-') + 1);
  try {
    const current = await sql<{ version: number | null }>`
      select max(version) as version from eventstore.events where stream_id = ${streamId}`.execute(trx);
    const version = current.rows[0]?.version ?? 0;
    if (expected === 'no_stream' ? version !== 0 : expected !== 'any' && expected !== version) {
      throw new ConcurrencyError('PLATFORM_ERR_STREAM_VERSION', `stream ${streamId} is at version ${version}, expected ${String(expected)}`);
    }
    const now = new Date();
    const rows = events.map((event, i) => ({
      id: uuidv7(),
      tenant_id: context.tenantId,
      stream_id: streamId,
      version: version + i + 1,
      type: event.type,
      schema_version: event.schemaVersion,
      data: JSON.stringify(event.data),
      actor: context.actor,
      correlation_id: context.correlationId,
      causation_id: context.causationId ?? null,
      traceparent: context.traceparent ?? null,
      occurred_at: now,
    }));
    const values = sql.join(
      rows.map(
        (r) =>
          sql`(${r.id}, ${r.tenant_id}, ${r.stream_id}, ${r.version}, ${r.type}, ${r.schema_version}, ${r.data}::jsonb, ${r.actor}, ${r.correlation_id}, ${r.causation_id}, ${r.traceparent}, ${r.occurred_at})`,
      ),
    );
    const inserted = await sql<EventRow>`
      insert into eventstore.events (id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, causation_id, traceparent, occurred_at)
      values ${values}
      returning position, tx_id::text as tx_id, id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, causation_id, traceparent, occurred_at`.execute(trx);
    const outbox = sql.join(
      inserted.rows.map((r) => sql`(${r.position}, ${r.tenant_id}, ${topicFor(r.type)}, ${aggregateId})`),
    );
    await sql`insert into eventstore.outbox (position, tenant_id, topic, message_key) values ${outbox}`.execute(trx);
    await sql`select pg_notify(${NOTIFY_CHANNEL}, '')`.execute(trx);
    const stored = inserted.rows.map(toStored);
    return { version: version + events.length, events: stored };
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new ConcurrencyError('PLATFORM_ERR_STREAM_VERSION', `stream ${streamId} was written concurrently`, { cause: error });
    }
    throw error;
  }
}

interface EventRow {
  position: number;
  tx_id: string;
  id: string;
  tenant_id: string;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  data: unknown;
  actor: string;
  correlation_id: string;
  causation_id: string | null;
  traceparent: string | null;
  occurred_at: Date;
}

function toStored(row: EventRow): StoredEvent {
  return {
    id: row.id,
    type: row.type,
    schemaVersion: row.schema_version,
    tenantId: row.tenant_id,
    aggregateId: row.stream_id.slice(row.stream_id.indexOf('-') + 1),
    aggregateVersion: row.version,
    occurredAt: row.occurred_at.toISOString(),
    actor: row.actor,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    traceparent: row.traceparent,
    data: row.data,
    streamId: row.stream_id,
    position: row.position,
    cursor: `${row.tx_id}:${row.position}`,
  };
}

function parseCursor(cursor: string | null): [string, number] {
  if (cursor === null) return ['0', 0];
  const [tx, pos] = cursor.split(':');
  if (!tx || !/^\d+$/.test(tx) || !pos || !/^\d+$/.test(pos)) throw new Error(`malformed event log cursor: ${cursor}`);
  return [tx, Number(pos)];
}

export interface PostgresEventStoreOptions {
  /** Connection string for the LISTEN client that wakes readers. */
  url: string;
}

/**
 * The event store on PostgreSQL (embedded default and production: Aurora).
 * Global order is (transaction id, position) read only below the oldest
 * running transaction, so a reader never skips an event that commits late.
 */
export class PostgresEventStore implements EventStore {
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly db: Kysely<unknown>,
    private readonly options: PostgresEventStoreOptions,
  ) {}

  static async migrate(db: Kysely<unknown>): Promise<void> {
    await migrate(db, 'eventstore', eventStoreMigrations);
  }

  async append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], context: AppendContext): Promise<AppendResult> {
    return withTenant(this.db, context.tenantId, (trx) => appendInTransaction(trx, streamId, expected, events, context));
  }

  async readStream(tenantId: string, streamId: string, options: { fromVersion?: number } = {}): Promise<StoredEvent[]> {
    return withTenant(this.db, tenantId, async (trx) => {
      const result = await sql<EventRow>`
        select position, tx_id::text as tx_id, id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, causation_id, traceparent, occurred_at
        from eventstore.events where stream_id = ${streamId} and version >= ${options.fromVersion ?? 1}
        order by version`.execute(trx);
      return result.rows.map(toStored);
    });
  }

  async readAll(after: string | null, options: { limit?: number; tenantId?: string; until?: Date } = {}): Promise<StoredEvent[]> {
    const [tx, pos] = parseCursor(after);
    const limit = options.limit ?? 500;
    return asSystem(this.db, async (trx) => {
      const result = await sql<EventRow>`
        select position, tx_id::text as tx_id, id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, causation_id, traceparent, occurred_at
        from eventstore.events
        where (tx_id, position) > (${tx}::xid8, ${pos}::bigint)
          and tx_id < pg_snapshot_xmin(pg_current_snapshot())
          ${options.tenantId ? sql`and tenant_id = ${options.tenantId}` : sql``}
          ${options.until ? sql`and occurred_at <= ${options.until}` : sql``}
        order by tx_id, position
        limit ${limit}`.execute(trx);
      return result.rows.map(toStored);
    });
  }

  async waitForEvents(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.listen().catch(() => undefined);
    if (signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private listen(): Promise<void> {
    this.listening ??= (async () => {
      const client = new pg.Client({ connectionString: this.options.url, application_name: 'poc-eventstore-listener' });
      client.on('notification', () => {
        for (const wake of [...this.waiters]) wake();
      });
      client.on('error', () => {
        // Lost the LISTEN connection: readers fall back to their poll timeout; reconnect on next wait.
        this.listening = undefined;
        this.listener = undefined;
      });
      await client.connect();
      await client.query(`listen ${NOTIFY_CHANNEL}`);
      this.listener = client;
    })().catch((error: unknown) => {
      this.listening = undefined;
      throw error;
    });
    return this.listening;
  }

  async close(): Promise<void> {
    for (const wake of [...this.waiters]) wake();
    const client = this.listener;
    this.listener = undefined;
    this.listening = undefined;
    await client?.end().catch(() => undefined);
  }
}
