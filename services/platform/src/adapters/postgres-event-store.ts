import { type Kysely, type Migration, type Transaction, sql } from 'kysely';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { migrate } from '../db/migrate.ts';
import { ConcurrencyError } from '../errors.ts';
import type { AppendContext, HistoryEvent, NewEvent, StoredEvent } from '../ports/events.ts';
import { topicFor } from '../ports/events.ts';
import type { AppendResult, EventStore, ExpectedVersion } from '../ports/event-store.ts';

/** The role tenant-scoped transactions switch to, so row-level security applies even to a superuser connection. */
export const APP_ROLE = 'poc_app';
const NOTIFY_CHANNEL = 'eventstore_appended';
/** SQLSTATE `eventstore.append_events` raises when the stream is not at the expected version. */
const VERSION_MISMATCH_SQLSTATE = 'ES409';

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
  '003_append_function': {
    async up(db) {
      // The append as one server-side function: one round trip and one statement (so one
      // transaction, autocommit), with its plans cached per connection. Planning the
      // equivalent ad-hoc statement cost more than executing it. Called on its own, the
      // function scopes itself to the tenant (app.tenant_id, role poc_app) for the rest of
      // its transaction, so row-level security checks every row it writes.
      await sql`
        create function eventstore.append_events(
          p_scope boolean, p_tenant_id uuid, p_stream_id text, p_expected integer, p_message_key text,
          p_ids uuid[], p_types text[], p_schema_versions integer[], p_data jsonb[], p_topics text[],
          p_actor text, p_correlation_id text, p_causation_id text, p_traceparent text, p_occurred_at timestamptz)
        returns table (o_position bigint, o_tx_id text, o_id uuid, o_version integer)
        language plpgsql as $fn$
        declare
          v_current integer;
        begin
          -- p_scope: called on its own (autocommit), scope the transaction to the tenant here;
          -- otherwise the caller's transaction is scoped already (withTenant, asSystem).
          if p_scope then
            perform set_config('app.tenant_id', p_tenant_id::text, true), set_config('app.system', 'off', true),
              set_config('role', ${sql.lit(APP_ROLE)}, true);
          end if;
          select coalesce(max(e.version), 0) into v_current from eventstore.events e where e.stream_id = p_stream_id;
          -- p_expected: null = any version, 0 = the stream must not exist, n = it must be at n.
          if p_expected is not null and v_current <> p_expected then
            raise exception 'stream % is at version %, expected %', p_stream_id, v_current, p_expected
              using errcode = ${sql.lit(VERSION_MISMATCH_SQLSTATE)};
          end if;
          return query
          with appended as (
            insert into eventstore.events as e (id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, causation_id, traceparent, occurred_at)
            select u.id, p_tenant_id, p_stream_id, v_current + u.ord::integer, u.type, u.schema_version, u.data,
              p_actor, p_correlation_id, p_causation_id, p_traceparent, p_occurred_at
            from unnest(p_ids, p_types, p_schema_versions, p_data) with ordinality as u(id, type, schema_version, data, ord)
            order by u.ord
            returning e.position, e.tx_id, e.id, e.tenant_id, e.version
          ), outbox as (
            insert into eventstore.outbox (position, tenant_id, topic, message_key)
            select a.position, a.tenant_id, t.topic, p_message_key
            from appended a join unnest(p_ids, p_topics) as t(id, topic) on t.id = a.id
          )
          -- Only what the store assigned: the caller has the rest.
          select a.position, a.tx_id::text, a.id, a.version from appended a order by a.version;
        end
        $fn$
      `.execute(db);
    },
  },
  '004_tenant_history_index': {
    async up(db) {
      // A tenant's history in append order (`readHistory`): one range of this index, read in order,
      // instead of the whole log through the primary key or a sort. (For a tenant that is most of
      // the log, the planner rightly still reads the primary key in order and filters.)
      await sql`create index events_tenant_position on eventstore.events (tenant_id, position)`.execute(db);
    },
  },
  '005_append_batch': {
    async up(db) {
      // Several appends (of any streams and tenants) in one statement, so one transaction and one
      // commit flush: the store's own appends are grouped while earlier ones are committing
      // (`PostgresEventStore.append`). Each append is checked and written as `append_events` does,
      // scoped to its own tenant (row-level security checks every row); one that is not at its
      // expected version is answered with its stream's version and no position, and writes
      // nothing, while the others go on. Any error fails the whole statement; the caller then
      // appends each on its own.
      await sql`
        create function eventstore.append_batch(
          p_tenant_ids uuid[], p_stream_ids text[], p_expected integer[], p_message_keys text[], p_counts integer[],
          p_actors text[], p_correlation_ids text[], p_causation_ids text[], p_traceparents text[], p_occurred_at timestamptz[],
          p_ids uuid[], p_types text[], p_schema_versions integer[], p_data jsonb[], p_topics text[])
        returns table (o_append integer, o_position bigint, o_tx_id text, o_id uuid, o_version integer)
        language plpgsql as $fn$
        declare
          v_current integer;
          v_first integer := 1;
          v_last integer;
        begin
          perform set_config('app.system', 'off', true), set_config('role', ${sql.lit(APP_ROLE)}, true);
          for i in 1 .. coalesce(array_length(p_stream_ids, 1), 0) loop
            v_last := v_first + p_counts[i] - 1;
            perform set_config('app.tenant_id', p_tenant_ids[i]::text, true);
            select coalesce(max(e.version), 0) into v_current from eventstore.events e where e.stream_id = p_stream_ids[i];
            -- p_expected: null = any version, 0 = the stream must not exist, n = it must be at n.
            if p_expected[i] is not null and v_current <> p_expected[i] then
              o_append := i;
              o_position := null;
              o_tx_id := null;
              o_id := null;
              o_version := v_current;
              return next;
            else
              return query
              with appended as (
                insert into eventstore.events as e (id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, causation_id, traceparent, occurred_at)
                select u.id, p_tenant_ids[i], p_stream_ids[i], v_current + u.ord::integer, u.type, u.schema_version, u.data,
                  p_actors[i], p_correlation_ids[i], p_causation_ids[i], p_traceparents[i], p_occurred_at[i]
                from unnest(p_ids[v_first:v_last], p_types[v_first:v_last], p_schema_versions[v_first:v_last], p_data[v_first:v_last])
                  with ordinality as u(id, type, schema_version, data, ord)
                order by u.ord
                returning e.position, e.tx_id, e.id, e.tenant_id, e.version
              ), outbox as (
                insert into eventstore.outbox (position, tenant_id, topic, message_key)
                select a.position, a.tenant_id, t.topic, p_message_keys[i]
                from appended a join unnest(p_ids[v_first:v_last], p_topics[v_first:v_last]) as t(id, topic) on t.id = a.id
              )
              select i, a.position, a.tx_id::text, a.id, a.version from appended a order by a.version;
            end if;
            v_first := v_last + 1;
          end loop;
        end
        $fn$
      `.execute(db);
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
    // One statement: set_config('role', …, true) is SET LOCAL ROLE.
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
  const appended = await appendWithFunction(trx, prepareAppend(streamId, expected, events, context));
  // Only the caller knows when it commits, so the wake-up rides in its transaction (delivered at
  // commit). That serialises committing notifiers, which is fine for the rare appends of this path
  // (onboarding, role changes); the store's own append notifies after its commit instead.
  await sql`select pg_notify(${NOTIFY_CHANNEL}, '')`.execute(trx);
  return appended;
}

/** An append ready to be sent: the ids and the time are given here, before it is queued. */
interface PreparedAppend {
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  /** As the SQL functions take it: null = any version, 0 = no stream yet. */
  readonly expectedVersion: number | null;
  readonly events: readonly NewEvent[];
  readonly context: AppendContext;
  readonly ids: readonly string[];
  readonly occurredAt: Date;
}

/** What the append functions answer for each event they wrote. */
interface AppendedRow {
  o_position: number;
  o_tx_id: string;
  o_id: string;
  o_version: number;
}

function prepareAppend(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], context: AppendContext): PreparedAppend {
  if (events.length === 0) throw new Error('append needs at least one event');
  const expectedVersion = expected === 'any' ? null : expected === 'no_stream' ? 0 : expected;
  return { streamId, expected, expectedVersion, events, context, ids: events.map(() => uuidv7()), occurredAt: new Date() };
}

const aggregateIdOf = (streamId: string) => streamId.slice(streamId.indexOf('-') + 1);

/** The stored events of an append, from what the store assigned (the caller has the rest). */
function appendResult(append: PreparedAppend, rows: readonly AppendedRow[]): AppendResult {
  const { streamId, events, context, occurredAt } = append;
  const stored = rows.map((row, i) =>
    toStored({
      position: row.o_position,
      tx_id: row.o_tx_id,
      id: row.o_id,
      tenant_id: context.tenantId,
      stream_id: streamId,
      version: row.o_version,
      type: events[i]!.type,
      schema_version: events[i]!.schemaVersion,
      data: events[i]!.data,
      actor: context.actor,
      correlation_id: context.correlationId,
      causation_id: context.causationId ?? null,
      traceparent: context.traceparent ?? null,
      occurred_at: occurredAt,
    }),
  );
  return { version: stored[stored.length - 1]!.aggregateVersion, events: stored };
}

/** A failed append's error as the port promises it: a stream not at the expected version is a `ConcurrencyError`. */
function appendError(append: PreparedAppend, error: unknown): unknown {
  const { code, constraint, message } = error as { code?: string; constraint?: string; message?: string };
  if (code === VERSION_MISMATCH_SQLSTATE) {
    return new ConcurrencyError('PLATFORM_ERR_STREAM_VERSION', message ?? `stream ${append.streamId} is not at version ${String(append.expected)}`, { cause: error });
  }
  if (code === '23505' && constraint?.startsWith('events_')) {
    return new ConcurrencyError('PLATFORM_ERR_STREAM_VERSION', `stream ${append.streamId} was written concurrently`, { cause: error });
  }
  return error;
}

/**
 * True when PostgreSQL refused the statement itself (so nothing of it was
 * committed) for a reason that may belong to one append of a batch: a
 * constraint, bad data, a deadlock between batches. Not for a lost
 * connection or a server going away, where the commit's fate is unknown.
 */
function isStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !['08', '53', '57', '58', 'XX'].includes(code.slice(0, 2));
}

const sqlArray = (values: readonly unknown[], type: string) => sql`${[...values]}::${sql.raw(type)}`;

/** One append through `eventstore.append_events`, in the caller's transaction (already scoped to the tenant). */
async function appendWithFunction<DB>(executor: Kysely<DB>, append: PreparedAppend): Promise<AppendResult> {
  const { streamId, events, context } = append;
  try {
    const result = await sql<AppendedRow>`
      select * from eventstore.append_events(
        false, ${context.tenantId}::uuid, ${streamId}, ${append.expectedVersion}::integer, ${aggregateIdOf(streamId)},
        ${sqlArray(append.ids, 'uuid[]')}, ${sqlArray(events.map((e) => e.type), 'text[]')}, ${sqlArray(events.map((e) => e.schemaVersion), 'integer[]')},
        ${sqlArray(events.map((e) => JSON.stringify(e.data)), 'jsonb[]')}, ${sqlArray(events.map((e) => topicFor(e.type)), 'text[]')},
        ${context.actor}, ${context.correlationId}, ${context.causationId ?? null}, ${context.traceparent ?? null}, ${append.occurredAt})`.execute(executor);
    return appendResult(append, result.rows);
  } catch (error) {
    throw appendError(append, error);
  }
}

/**
 * Several appends through `eventstore.append_batch`: one statement, one
 * transaction. Resolves with each append's result, or the `ConcurrencyError`
 * of one not at its expected version; throws when the statement fails.
 */
async function appendBatchWithFunction<DB>(executor: Kysely<DB>, batch: readonly PreparedAppend[]): Promise<(AppendResult | ConcurrencyError)[]> {
  const events = batch.flatMap((a) => a.events);
  const result = await sql<AppendedRow & { o_append: number }>`
    select * from eventstore.append_batch(
      ${sqlArray(batch.map((a) => a.context.tenantId), 'uuid[]')}, ${sqlArray(batch.map((a) => a.streamId), 'text[]')},
      ${sqlArray(batch.map((a) => a.expectedVersion), 'integer[]')}, ${sqlArray(batch.map((a) => aggregateIdOf(a.streamId)), 'text[]')},
      ${sqlArray(batch.map((a) => a.events.length), 'integer[]')}, ${sqlArray(batch.map((a) => a.context.actor), 'text[]')},
      ${sqlArray(batch.map((a) => a.context.correlationId), 'text[]')}, ${sqlArray(batch.map((a) => a.context.causationId ?? null), 'text[]')},
      ${sqlArray(batch.map((a) => a.context.traceparent ?? null), 'text[]')}, ${sqlArray(batch.map((a) => a.occurredAt.toISOString()), 'timestamptz[]')},
      ${sqlArray(batch.flatMap((a) => a.ids), 'uuid[]')}, ${sqlArray(events.map((e) => e.type), 'text[]')},
      ${sqlArray(events.map((e) => e.schemaVersion), 'integer[]')}, ${sqlArray(events.map((e) => JSON.stringify(e.data)), 'jsonb[]')},
      ${sqlArray(events.map((e) => topicFor(e.type)), 'text[]')})`.execute(executor);
  const rows: AppendedRow[][] = batch.map(() => []);
  for (const row of result.rows) rows[row.o_append - 1]!.push(row);
  return batch.map((append, i) => {
    const written = rows[i]!;
    if (written.length === 1 && written[0]!.o_position === null) {
      const at = written[0]!.o_version;
      return new ConcurrencyError('PLATFORM_ERR_STREAM_VERSION', `stream ${append.streamId} is at version ${at}, expected ${append.expectedVersion}`);
    }
    return appendResult(append, written);
  });
}

/** A row of `eventstore.events` as the adapters select it (tx_id as text). */
export interface EventRow {
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

/** What `readHistory` selects: the columns a fold reads, the time already in RFC 3339. */
interface HistoryRow {
  type: string;
  schema_version: number;
  data: unknown;
  stream_id: string;
  version: number;
  actor: string;
  occurred_at: string;
}

/** The stored event a row of `eventstore.events` holds. */
export function toStored(row: EventRow): StoredEvent {
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
  /**
   * Readers in other processes are woken (NOTIFY) at most once per this many
   * milliseconds (default 10): the first append after a quiet spell notifies at
   * once, a busy writer once per interval for everything it appended meanwhile.
   */
  notifyIntervalMs?: number;
  /**
   * Append statements committing at once (default 4); appends arriving while
   * they run go together in the next one (group commit).
   */
  appendConcurrency?: number;
}

/** An append waiting for its turn (`PostgresEventStore.append`). */
interface QueuedAppend {
  readonly append: PreparedAppend;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** The most appends, and events, one statement carries. */
const MAX_BATCH_APPENDS = 100;
const MAX_BATCH_EVENTS = 1_000;

/**
 * The event store on PostgreSQL (embedded default and production: Aurora).
 * Global order is (transaction id, position) read only below the oldest
 * running transaction, so a reader never skips an event that commits late.
 */
export class PostgresEventStore implements EventStore {
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly queued: QueuedAppend[] = [];
  private appending = 0;
  /** Waiting in `close` for the appends under way. */
  private readonly appendsDone: (() => void)[] = [];
  private notifying = false;
  private notifyAgain = false;
  private notifyTimer: NodeJS.Timeout | undefined;
  private lastNotifyAt = 0;
  private closed = false;

  constructor(
    private readonly db: Kysely<unknown>,
    private readonly options: PostgresEventStoreOptions,
  ) {}

  static async migrate(db: Kysely<unknown>): Promise<void> {
    await migrate(db, 'eventstore', eventStoreMigrations);
  }

  /**
   * Appends go to PostgreSQL at once while fewer than `appendConcurrency`
   * are committing; those that arrive meanwhile wait, and go together in the
   * next statement (`append_batch`: one transaction, one commit flush for all
   * of them). Each still gets its own answer: a stream not at its expected
   * version fails that append alone. When the statement fails (one append's
   * bad data, a race with another writer on a stream), each append of the
   * batch is tried again on its own, so each gets its own error.
   */
  append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], context: AppendContext): Promise<AppendResult> {
    const append = prepareAppend(streamId, expected, events, context);
    return new Promise((resolve, reject) => {
      this.queued.push({ append, resolve, reject });
      this.sendAppends();
    });
  }

  private sendAppends(): void {
    const concurrency = this.options.appendConcurrency ?? 4;
    while (this.queued.length > 0 && this.appending < concurrency) {
      let events = 0;
      let take = 0;
      while (take < this.queued.length && take < MAX_BATCH_APPENDS && (take === 0 || events + this.queued[take]!.append.events.length <= MAX_BATCH_EVENTS)) {
        events += this.queued[take]!.append.events.length;
        take++;
      }
      const batch = this.queued.splice(0, take);
      this.appending++;
      void this.sendBatch(batch).finally(() => {
        this.appending--;
        this.sendAppends();
        if (this.appending === 0) for (const done of this.appendsDone.splice(0)) done();
      });
    }
  }

  private async sendBatch(batch: readonly QueuedAppend[]): Promise<void> {
    let outcomes: (AppendResult | ConcurrencyError)[];
    try {
      outcomes = await appendBatchWithFunction(this.db, batch.map((q) => q.append));
    } catch (error) {
      if (batch.length > 1 && isStatementError(error)) {
        await Promise.all(batch.map((q) => this.sendBatch([q])));
        return;
      }
      for (const q of batch) q.reject(appendError(q.append, error));
      return;
    }
    if (outcomes.some((o) => !(o instanceof ConcurrencyError))) this.notifyAppended();
    batch.forEach((q, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof ConcurrencyError) q.reject(outcome);
      else q.resolve(outcome);
    });
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
        -- Qualified: the bare name would be the text column of the select list, sorted as text (and without the index).
        order by events.tx_id, events.position
        limit ${limit}`.execute(trx);
      return result.rows.map(toStored);
    });
  }

  /**
   * One server-side cursor in a tenant-scoped transaction (row-level security
   * applies), in position order (`events_tenant_position`: no sort), fetched in large
   * batches with the next fetch in flight while `onBatch` runs. Position order
   * keeps each stream in version order (an append reads the stream's committed
   * version before it takes its position). The time is formatted by
   * PostgreSQL: parsing a `timestamptz` into a `Date` and back cost more than
   * the rest of a row's decoding. Only events of transactions below the log
   * horizon (as `readAll`) are scanned, so the horizon is the cursor that
   * continues the history in the global log. The transaction (read-only, no
   * transaction id) stays open for the whole scan.
   */
  async readHistory(
    tenantId: string,
    options: { until?: Date; batchSize?: number },
    onBatch: (events: readonly HistoryEvent[]) => void | Promise<void>,
  ): Promise<{ events: number; cursor: string }> {
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? 10_000));
    return withTenant(this.db, tenantId, async (trx) => {
      // Every transaction below the horizon has ended, so the cursor's snapshot (taken after) sees all of their events.
      const horizon = (await sql<{ h: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as h`.execute(trx)).rows[0]!.h;
      await sql`declare history no scroll cursor for
        select type, schema_version, data, stream_id, version, actor,
          to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at
        from eventstore.events
        where tenant_id = ${tenantId} and tx_id < ${horizon}::xid8
          ${options.until ? sql`and occurred_at <= ${options.until}` : sql``}
        order by position`.execute(trx);
      const fetch = () => {
        const rows = sql<HistoryRow>`fetch ${sql.raw(String(batchSize))} from history`.execute(trx).then((r) => r.rows);
        // Awaited below; a failure while onBatch runs must not go unhandled meanwhile (if onBatch throws,
        // the rollback queues behind this fetch on the same connection).
        rows.catch(() => undefined);
        return rows;
      };
      let events = 0;
      let next: Promise<HistoryRow[]> | null = fetch();
      while (next) {
        const rows: HistoryRow[] = await next;
        next = rows.length === batchSize ? fetch() : null;
        if (rows.length === 0) break;
        const batch: HistoryEvent[] = new Array(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          batch[i] = {
            type: row.type,
            schemaVersion: row.schema_version,
            tenantId,
            aggregateId: row.stream_id.slice(row.stream_id.indexOf('-') + 1),
            aggregateVersion: row.version,
            occurredAt: row.occurred_at,
            actor: row.actor,
            data: row.data,
          };
        }
        events += rows.length;
        await onBatch(batch);
      }
      return { events, cursor: `${horizon}:0` };
    });
  }

  /**
   * Wake readers after a commit. NOTIFY inside the append transaction would take
   * PostgreSQL's global notify lock until the commit is flushed, serialising every
   * append (measured: 4,700 → 820 single-row transactions/s at 64 connections), so
   * it is sent after the commit instead: one at a time, at most one per
   * `notifyIntervalMs`, each covering every append that committed before it was
   * sent. A NOTIFY is a transaction of its own; it does not wait for its commit
   * to be flushed (`synchronous_commit` off for it alone): losing one in a crash
   * only delays readers until their poll timeout, and at 1,700 creates/s the
   * flushed NOTIFY per append cost a fifth of the throughput (bench:pocs).
   */
  private notifyAppended(): void {
    for (const wake of [...this.waiters]) wake();
    this.notifyAgain = true;
    this.scheduleNotify();
  }

  private scheduleNotify(): void {
    if (this.notifying || this.notifyTimer || this.closed) return;
    const wait = this.lastNotifyAt + (this.options.notifyIntervalMs ?? 10) - Date.now();
    if (wait > 0) {
      this.notifyTimer = setTimeout(() => {
        this.notifyTimer = undefined;
        this.sendNotify();
      }, wait);
      return;
    }
    this.sendNotify();
  }

  private sendNotify(): void {
    this.notifying = true;
    this.notifyAgain = false;
    this.lastNotifyAt = Date.now();
    void sql`select set_config('synchronous_commit', 'off', true), pg_notify(${NOTIFY_CHANNEL}, '')`
      .execute(this.db)
      .catch(() => undefined)
      .then(() => {
        this.notifying = false;
        // Appends that committed while this one was on its way.
        if (this.notifyAgain) this.scheduleNotify();
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
    // The appends already asked for are answered first (the queue empties itself batch by batch).
    while (this.appending > 0) await new Promise<void>((resolve) => this.appendsDone.push(resolve));
    this.closed = true;
    clearTimeout(this.notifyTimer);
    this.notifyTimer = undefined;
    // The wake-up still owed for the last appends: sent now rather than left to the readers' poll.
    if (this.notifyAgain) await sql`select pg_notify(${NOTIFY_CHANNEL}, '')`.execute(this.db).catch(() => undefined);
    const client = this.listener;
    this.listener = undefined;
    this.listening = undefined;
    await client?.end().catch(() => undefined);
  }
}
