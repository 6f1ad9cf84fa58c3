import { type Kysely, sql } from 'kysely';
import type { EventBus } from '../ports/event-bus.ts';
import type { EventStore } from '../ports/event-store.ts';
import { type EventRow, asSystem, toStored } from './postgres-event-store.ts';

/** pino-shaped logger. */
export interface RelayLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface OutboxRelayOptions {
  readonly db: Kysely<unknown>;
  /** Where events go (Kafka in production). `publish` must resolve only once the broker has them. */
  readonly bus: EventBus;
  /** Wakes the relay when events are appended (the event store's LISTEN); else it polls. */
  readonly store?: Pick<EventStore, 'waitForEvents'>;
  /** Events per publish. Default 500. */
  readonly batchSize?: number;
  /** Longest sleep between looks at the outbox when nothing wakes the relay. Default 1 s. */
  readonly pollMs?: number;
  /** Back-off after a failed publish: starts here and doubles up to `maxBackoffMs`. Default 200 ms, 5 s. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Published outbox rows older than this are deleted. Default 7 days; 0 keeps them. */
  readonly retainPublishedMs?: number;
  readonly logger?: RelayLogger;
}

/** The advisory lock every relay instance takes around one batch: one publisher at a time. */
const RELAY_LOCK = sql`hashtext('poc-tracker.outbox-relay')`;

const silent: RelayLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * The transactional outbox relay: moves events appended to the PostgreSQL
 * event store (their `eventstore.outbox` rows are written in the same
 * transaction) to the event bus, i.e. Kafka.
 *
 * - Nothing is lost while Kafka is down: a row is marked published only in
 *   the transaction that saw the broker acknowledge it; a failed publish
 *   rolls back, the relay backs off and tries again by itself, forever.
 * - Per-aggregate order: rows go out in store order, one batch after the
 *   other, and appends to one stream are serialised by the store, so a later
 *   event of an aggregate is never visible before an earlier one.
 * - Several instances may run (one per pod): each batch is published under a
 *   transaction-scoped advisory lock, and re-reads the pending rows after
 *   taking it, so no row is published by two relays. A relay that dies
 *   mid-batch releases the lock with its connection; another takes over.
 *   Delivery stays at least once (a crash between the broker's ack and the
 *   commit re-sends that batch), which idempotent consumers absorb.
 *
 * @example
 * const relay = new OutboxRelay({ db, bus: kafkaBus, store, logger });
 * relay.start();
 * // on shutdown
 * await relay.stop();
 */
export class OutboxRelay {
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private readonly logger: RelayLogger;
  private lastPrune = 0;
  private published = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = options.logger ?? silent;
  }

  /** Events this instance has published since it started. */
  get publishedCount(): number {
    return this.published;
  }

  /** Relay continuously until `stop()`. */
  start(): void {
    if (this.loop) return;
    const controller = new AbortController();
    this.controller = controller;
    this.loop = this.run(controller.signal);
  }

  /** Stop after the batch in flight (if any) is done or rolled back. */
  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = null;
    this.controller = null;
  }

  /**
   * Publish one batch of pending events, if this instance gets the lock.
   * Returns how many it published (0 when nothing is pending or another
   * relay holds the lock). Throws when the bus refused the batch.
   */
  async relayOnce(): Promise<{ published: number; locked: boolean }> {
    const limit = this.options.batchSize ?? 500;
    return asSystem(this.options.db, async (trx) => {
      const lock = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${RELAY_LOCK}) as locked`.execute(trx);
      if (!lock.rows[0]?.locked) return { published: 0, locked: false };
      const rows = await sql<EventRow>`
        select e.position, e.tx_id::text as tx_id, e.id, e.tenant_id, e.stream_id, e.version, e.type, e.schema_version, e.data,
               e.actor, e.correlation_id, e.causation_id, e.traceparent, e.occurred_at
        from eventstore.outbox o join eventstore.events e on e.position = o.position
        where o.published_at is null
        order by o.position
        limit ${limit}`.execute(trx);
      if (rows.rows.length === 0) return { published: 0, locked: true };
      await this.options.bus.publish(rows.rows.map(toStored));
      const positions = rows.rows.map((r) => r.position);
      await sql`update eventstore.outbox set published_at = now() where position = any(${positions}::bigint[])`.execute(trx);
      return { published: rows.rows.length, locked: true };
    });
  }

  /** Events not yet published (for health checks and tests). */
  async pending(): Promise<number> {
    return asSystem(this.options.db, async (trx) => {
      const result = await sql<{ n: string }>`select count(*) as n from eventstore.outbox where published_at is null`.execute(trx);
      return Number(result.rows[0]?.n ?? 0);
    });
  }

  private async run(signal: AbortSignal): Promise<void> {
    const pollMs = this.options.pollMs ?? 1_000;
    const initialBackoff = this.options.backoffMs ?? 200;
    const maxBackoff = this.options.maxBackoffMs ?? 5_000;
    let backoff = initialBackoff;
    let failing = false;
    while (!signal.aborted) {
      try {
        const { published, locked } = await this.relayOnce();
        if (failing) {
          this.logger.info({ published }, 'outbox relay publishing again');
          failing = false;
        }
        backoff = initialBackoff;
        this.published += published;
        if (published > 0) continue;
        await this.prune();
        if (!locked) {
          // Another relay is publishing; look again soon, it may stop.
          await sleep(Math.min(pollMs, 250), signal);
          continue;
        }
        await this.idle(pollMs, signal);
      } catch (error) {
        if (!failing) this.logger.warn({ err: error }, 'outbox relay cannot publish; events wait in the outbox, retrying');
        failing = true;
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
  }

  private async idle(pollMs: number, signal: AbortSignal): Promise<void> {
    if (this.options.store) await this.options.store.waitForEvents(pollMs, signal);
    else await sleep(pollMs, signal);
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < 60_000) return;
    this.lastPrune = Date.now();
    await this.prunePublished().catch((error: unknown) => this.logger.warn({ err: error }, 'outbox prune failed'));
  }

  /** Delete published rows older than `retainPublishedMs` (the relay does it every minute when idle). */
  async prunePublished(): Promise<number> {
    const retain = this.options.retainPublishedMs ?? 7 * 24 * 3_600_000;
    if (retain <= 0) return 0;
    const result = await asSystem(this.options.db, (trx) =>
      sql`delete from eventstore.outbox where published_at < now() - make_interval(secs => ${retain / 1000})`.execute(trx),
    );
    return Number(result.numAffectedRows ?? 0);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
