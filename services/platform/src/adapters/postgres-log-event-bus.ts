import { type Kysely, sql } from 'kysely';
import type { Delivery, EventBus, SubscribeOptions, Subscription } from '../ports/event-bus.ts';
import type { EventEnvelope } from '../ports/events.ts';
import { topicFor } from '../ports/events.ts';
import { type EventStore, compareCursors } from '../ports/event-store.ts';
import { asSystem } from './postgres-event-store.ts';

const POLL_MS = 1_000;

/**
 * The embedded event bus: the event store's global log read by position,
 * woken by LISTEN/NOTIFY. One partition (0); cursors are the log's cursors.
 * Checkpoints live in `eventstore.subscriptions` unless the subscriber keeps
 * its own. Failed batches are retried; with `maxAttempts`, the failing event
 * is parked in `eventstore.dead_letters` and the subscription moves on.
 */
export class PostgresLogEventBus implements EventBus {
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly db: Kysely<unknown>,
    private readonly store: EventStore,
  ) {}

  /**
   * Events appended through the event store are already in the log; an
   * envelope from elsewhere is stored in its stream (`<context>-<aggregateId>`)
   * unless its id is already there.
   */
  async publish(events: readonly EventEnvelope[]): Promise<void> {
    for (const event of events) {
      await asSystem(this.db, async (trx) => {
        await sql`
          insert into eventstore.events (id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, causation_id, traceparent, occurred_at)
          values (${event.id}, ${event.tenantId}, ${`${event.type.split('.')[0]}-${event.aggregateId}`}, ${event.aggregateVersion}, ${event.type},
            ${event.schemaVersion}, ${JSON.stringify(event.data)}::jsonb, ${event.actor}, ${event.correlationId}, ${event.causationId},
            ${event.traceparent ?? null}, ${event.occurredAt})
          on conflict (id) do nothing`.execute(trx);
        await sql`select pg_notify('eventstore_appended', '')`.execute(trx);
      });
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const topics = new Set(options.topics);
    const controller = new AbortController();
    const external = options.checkpoints;
    let cursor: string | null = external
      ? (await external.load())[`log:0`] ?? null
      : await this.loadCheckpoint(options.group);
    const maxBatch = options.maxBatch ?? 500;
    const retryDelayMs = options.retryDelayMs ?? 500;

    const loop = (async () => {
      let attempts = 0;
      while (!controller.signal.aborted) {
        let events;
        try {
          events = await this.store.readAll(cursor, { limit: maxBatch });
        } catch {
          await this.store.waitForEvents(POLL_MS, controller.signal);
          continue;
        }
        if (events.length === 0) {
          await this.store.waitForEvents(POLL_MS, controller.signal);
          continue;
        }
        const last = events[events.length - 1]!.cursor;
        const batch: Delivery[] = events
          .filter((e) => topics.has(topicFor(e.type)))
          .map((event) => ({ event, topic: topicFor(event.type), partition: 0, cursor: event.cursor }));
        try {
          if (batch.length > 0) await options.handle(batch);
          attempts = 0;
        } catch (error) {
          attempts += 1;
          if (options.maxAttempts !== undefined && attempts >= options.maxAttempts && batch[0]) {
            // Park the first event of the batch and move past it.
            const failed = batch[0];
            await this.deadLetter(options.group, failed, error, attempts);
            if (!external) await this.saveCheckpoint(options.group, failed.cursor);
            cursor = failed.cursor;
            attempts = 0;
            continue;
          }
          await sleep(retryDelayMs, controller.signal);
          continue;
        }
        if (!external) await this.saveCheckpoint(options.group, last);
        if (compareCursors(last, cursor) > 0) cursor = last;
      }
    })();

    const subscription: Subscription = {
      close: async () => {
        controller.abort();
        await loop;
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  private async loadCheckpoint(group: string): Promise<string | null> {
    const result = await sql<{ cursor: string | null }>`
      select cursor from eventstore.subscriptions where subscription = ${group}`.execute(this.db);
    return result.rows[0]?.cursor ?? null;
  }

  private async saveCheckpoint(group: string, cursor: string): Promise<void> {
    await sql`
      insert into eventstore.subscriptions (subscription, cursor, updated_at) values (${group}, ${cursor}, now())
      on conflict (subscription) do update set cursor = excluded.cursor, updated_at = now()`.execute(this.db);
  }

  private async deadLetter(group: string, delivery: Delivery, error: unknown, attempts: number): Promise<void> {
    await sql`
      insert into eventstore.dead_letters (subscription, event_id, cursor, error, attempts)
      values (${group}, ${delivery.event.id}, ${delivery.cursor}, ${error instanceof Error ? error.message : String(error)}, ${attempts})
      on conflict do nothing`.execute(this.db);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
