import { type Kysely, type Transaction, sql } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type Delivery, type EventBus, type EventStore, type HistoryEvent, type Subscription, compareCursors, topicFor } from '@poc/platform';
import type { Projection, RebuildScope } from './projection.ts';
import { loadCheckpoints, saveCheckpoints } from './store.ts';

/** The channel a committed batch notifies (payload: the tenant ids it touched), for read-your-writes waiters. */
export const projectionChannel = (name: string): string => `projection_${name.replace(/[^a-z0-9_]/gi, '_')}`;

/** Serialises a projection's live batches with a rebuild's final catch-up and swap. */
export async function lockProjection(trx: Transaction<unknown>, name: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`projection:${name}`}))`.execute(trx);
}

/** How far behind the projection is, for the lag gauges. */
export interface Lag {
  readonly events: number;
  readonly seconds: number;
}

interface Metrics {
  applied: Counter<'projection'>;
  batches: Counter<'projection' | 'outcome'>;
  eventLag: Histogram<'projection'>;
}

function metricsIn(registry: Registry): Metrics {
  const existing = registry.getSingleMetric('projector_events_applied_total') as Counter<'projection'> | undefined;
  if (existing) {
    return {
      applied: existing,
      batches: registry.getSingleMetric('projector_batches_total') as Counter<'projection' | 'outcome'>,
      eventLag: registry.getSingleMetric('projector_event_lag_seconds') as Histogram<'projection'>,
    };
  }
  return {
    applied: new Counter({ name: 'projector_events_applied_total', help: 'Events applied to read models', labelNames: ['projection'], registers: [registry] }),
    batches: new Counter({ name: 'projector_batches_total', help: 'Batches by outcome', labelNames: ['projection', 'outcome'], registers: [registry] }),
    eventLag: new Histogram({
      name: 'projector_event_lag_seconds',
      help: 'From an event occurring to its read-model change committing',
      labelNames: ['projection'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}

export interface ProjectorOptions<T> {
  db: Kysely<unknown>;
  bus: EventBus;
  projection: Projection<T>;
  /**
   * The checkpoint source of a delivery. Kafka: `<topic>:<partition>` (the
   * default); the Postgres log keeps one cursor for every topic: `log:0`.
   */
  sourceOf?: (delivery: Delivery) => string;
  maxBatch?: number;
  retryDelayMs?: number;
  /** Where the lag metrics go (the service's `app.metrics`). */
  metrics?: Registry;
  /** How far behind the projection is, read when `/metrics` is scraped. */
  lag?: () => Promise<Lag>;
  onError?: (error: unknown) => void;
}

function laneOf(aggregateId: string, lanes: number): number {
  let h = 0;
  for (let i = 0; i < aggregateId.length; i++) h = (h * 31 + aggregateId.charCodeAt(i)) | 0;
  return Math.abs(h) % lanes;
}

/** `sourceOf` for the embedded Postgres-log bus: one cursor over the whole log. */
export const postgresLogSource = (): string => 'log:0';

/**
 * Runs one projection live: subscribes to its topics with checkpoints kept in
 * `projections.checkpoints`, and applies each batch in one transaction with
 * its checkpoint, then notifies `projectionChannel(name)`. A crash at any
 * point leaves either the whole batch or none of it.
 *
 * @example
 * const projector = new Projector({ db, bus, projection: pocProjection, metrics: app.metrics });
 * await projector.start();
 */
/** Per registry, the lag probe of each projection it reports (a process runs several projections). */
const lagProbes = new WeakMap<Registry, Map<string, () => Promise<Lag>>>();

/** The lag gauges, once per registry, labelled by projection; one probe per projection and scrape feeds both. */
function registerLag(metrics: Registry, name: string, lag: () => Promise<Lag>): void {
  let probes = lagProbes.get(metrics);
  if (!probes) {
    probes = new Map();
    lagProbes.set(metrics, probes);
    const all = probes;
    const collect = (pick: (lag: Lag) => number) =>
      async function (this: Gauge) {
        await Promise.all([...all].map(async ([projection, probe]) => this.set({ projection }, pick(await probe()))));
      };
    new Gauge({
      name: 'projector_lag_events',
      help: "Events of the projection's topics not yet applied",
      labelNames: ['projection'],
      registers: [metrics],
      collect: collect((l) => l.events),
    });
    new Gauge({
      name: 'projector_lag_seconds',
      help: "Age of the oldest event of the projection's topics not yet applied (0 when caught up)",
      labelNames: ['projection'],
      registers: [metrics],
      collect: collect((l) => l.seconds),
    });
  }
  let pending: Promise<Lag> | undefined;
  probes.set(name, () => (pending ??= lag().finally(() => setTimeout(() => (pending = undefined), 100))));
}

export class Projector<T> {
  private subscription: Subscription | undefined;
  private readonly metrics: Metrics | undefined;
  private lastEventAt: string | null = null;

  constructor(private readonly options: ProjectorOptions<T>) {
    const { metrics, projection } = options;
    if (metrics) {
      this.metrics = metricsIn(metrics);
      if (options.lag) registerLag(metrics, projection.name, options.lag);
    }
  }

  get name(): string {
    return this.options.projection.name;
  }

  /** The occurredAt of the last applied event. */
  get lastAppliedEventAt(): string | null {
    return this.lastEventAt;
  }

  async start(): Promise<void> {
    const { db, bus, projection } = this.options;
    this.subscription = await bus.subscribe({
      group: `projection-${projection.name}`,
      topics: projection.topics,
      checkpoints: { load: () => loadCheckpoints(db, projection.name) },
      handle: (batch) => this.handle(batch),
      ...(this.options.maxBatch ? { maxBatch: this.options.maxBatch } : {}),
      retryDelayMs: this.options.retryDelayMs ?? 500,
    });
  }

  private async handle(batch: readonly Delivery[]): Promise<void> {
    const { db, projection } = this.options;
    const sourceOf = this.options.sourceOf ?? ((d: Delivery) => `${d.topic}:${d.partition}`);
    const cursors = new Map<string, string>();
    for (const d of batch) cursors.set(sourceOf(d), d.cursor);
    const tenants = [...new Set(batch.map((d) => d.event.tenantId))];
    try {
      await db.transaction().execute(async (trx) => {
        await lockProjection(trx, projection.name);
        await projection.apply(trx, batch.map((d) => d.event), null);
        await saveCheckpoints(trx, projection.name, cursors);
        await sql`select pg_notify(${projectionChannel(projection.name)}, ${tenants.join(',').slice(0, 7000)})`.execute(trx);
      });
    } catch (error) {
      this.metrics?.batches.inc({ projection: projection.name, outcome: 'failed' });
      this.options.onError?.(error);
      throw error;
    }
    const now = Date.now();
    if (this.metrics) {
      this.metrics.batches.inc({ projection: projection.name, outcome: 'applied' });
      this.metrics.applied.inc({ projection: projection.name }, batch.length);
      for (const d of batch) this.metrics.eventLag.observe({ projection: projection.name }, Math.max(0, now - Date.parse(d.event.occurredAt)) / 1000);
    }
    this.lastEventAt = batch[batch.length - 1]?.event.occurredAt ?? this.lastEventAt;
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }
}

/**
 * The lag of a projection on the embedded Postgres log: events of its topics
 * after its `log:0` checkpoint, and the age of the oldest of them.
 */
export function postgresLogLag(db: Kysely<unknown>, projection: Projection<unknown>): () => Promise<Lag> {
  const topics = new Set(projection.topics);
  return async () => {
    const checkpoints = await loadCheckpoints(db, projection.name);
    const [tx = '0', pos = '0'] = (checkpoints['log:0'] ?? '0:0').split(':');
    const rows = await sql<{ type: string; events: number; oldest: Date | null }>`
      select type, count(*)::int as events, min(occurred_at) as oldest from eventstore.events
      where (tx_id, position) > (${tx}::xid8, ${Number(pos)}::bigint)
      group by type`.execute(db);
    const mine = rows.rows.filter((r) => topics.has(topicFor(r.type)));
    const oldest = Math.min(...mine.map((r) => r.oldest?.getTime() ?? Number.POSITIVE_INFINITY));
    return {
      events: mine.reduce((n, r) => n + r.events, 0),
      seconds: Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0,
    };
  };
}

export interface RebuildOptions<T> {
  db: Kysely<unknown>;
  store: EventStore;
  projection: Projection<T>;
  scope?: RebuildScope;
  batchSize?: number;
  /** Leave the rebuilt target beside the live one instead of swapping (to compare them). */
  swap?: boolean;
  onProgress?: (events: number) => void;
  /** Replay only the events that occurred up to this instant (leave `swap` false: the target is the past, not the live model). */
  until?: Date;
  /** Transactions applied side by side during the replay (events split by aggregate). Default 2. */
  concurrency?: number;
  /**
   * When the live projector reads the event store's own log (the embedded
   * Postgres log: source `log:0`), move its checkpoint to where the rebuild
   * ended, in the swap transaction, so it does not re-read what the rebuild
   * applied. (Kafka offsets are another coordinate system: leave unset.) A
   * rebuild scoped to one tenant leaves the checkpoint where it is.
   */
  logSource?: string;
}

export interface RebuildResult<T> {
  readonly target: T;
  readonly events: number;
  readonly seconds: number;
  /** Where the time went: replaying the history, preparing the target (indexes), the locked catch-up and swap. */
  readonly phases: { readonly replay: number; readonly prepare: number; readonly swap: number };
}

/**
 * Rebuild a projection from position zero of the event store into a fresh
 * target while the live one keeps serving and projecting, then swap it in:
 * under the projection lock (the live projector pauses for that moment), the
 * rebuild catches up with the log's head and `swap` makes it live in the same
 * transaction. The live projector then goes on from its own checkpoint,
 * skipping by version what the rebuild already applied.
 */
export async function rebuildProjection<T>(options: RebuildOptions<T>): Promise<RebuildResult<T>> {
  const { db, store, projection } = options;
  const scope = options.scope ?? {};
  const batchSize = options.batchSize ?? 2_000;
  const topics = new Set(projection.topics);
  const started = performance.now();
  const target = await projection.createTarget(db, scope);
  let cursor: string | null = null;
  let applied = 0;
  const lanesCount = Math.max(1, options.concurrency ?? 2);
  const read = (after: string | null) =>
    store.readAll(after, { limit: batchSize, ...(scope.tenantId ? { tenantId: scope.tenantId } : {}), ...(options.until ? { until: options.until } : {}) });
  const applyBatch = async (events: readonly HistoryEvent[], inside?: Transaction<unknown>): Promise<void> => {
    const mine = events.filter((e) => topics.has(topicFor(e.type)));
    if (mine.length > 0) {
      if (inside) await projection.apply(inside, mine, target);
      else {
        // Lanes by aggregate: each aggregate's events stay in order in one lane, lanes touch disjoint rows.
        const lanes = Array.from({ length: lanesCount }, () => [] as HistoryEvent[]);
        for (const e of mine) lanes[laneOf(e.aggregateId, lanesCount)]!.push(e);
        await Promise.all(lanes.filter((l) => l.length > 0).map((lane) => db.transaction().execute((trx) => projection.apply(trx, lane, target))));
      }
    }
    applied += mine.length;
    options.onProgress?.(applied);
  };
  const drain = async (inside?: Transaction<unknown>): Promise<void> => {
    let next = read(cursor);
    for (;;) {
      const events = await next;
      if (events.length === 0) return;
      const last = events[events.length - 1]!.cursor;
      // Read the next batch while this one is applied.
      next = read(last);
      next.catch(() => undefined);
      await applyBatch(events, inside);
      cursor = last;
    }
  };
  const phases = { replay: 0, prepare: 0, swap: 0 };
  let mark = performance.now();
  const lap = (phase: keyof typeof phases) => {
    const now = performance.now();
    phases[phase] += (now - mark) / 1000;
    mark = now;
  };
  try {
    if (scope.tenantId) {
      // One tenant: its history in one scan (only what a fold reads), then the log from where the scan ended.
      const scanned = await store.readHistory(scope.tenantId, { batchSize, ...(options.until ? { until: options.until } : {}) }, (events) => applyBatch(events));
      cursor = scanned.cursor;
    }
    await drain();
    lap('replay');
    if (projection.prepare) {
      await projection.prepare(db, target);
      lap('prepare');
      await drain();
      lap('replay');
    }
    if (options.swap !== false) {
      await db.transaction().execute(async (trx) => {
        await lockProjection(trx, projection.name);
        await drain(trx);
        await projection.swap(trx, target);
        // Only a rebuild of every tenant has read everything up to its cursor: one tenant's rebuild
        // skipped the others' events, which the live projector may not have applied yet.
        if (options.logSource && cursor && !scope.tenantId) {
          const live = (await loadCheckpoints(trx, projection.name))[options.logSource] ?? null;
          if (compareCursors(cursor, live) > 0) await saveCheckpoints(trx, projection.name, new Map([[options.logSource, cursor]]));
        }
      });
      lap('swap');
    }
  } catch (error) {
    await projection.dropTarget(db, target).catch(() => undefined);
    throw error;
  }
  return { target, events: applied, seconds: (performance.now() - started) / 1000, phases };
}
