import type { EventEnvelope } from './events.ts';

/** One event handed to a subscriber, with where it came from. */
export interface Delivery {
  readonly event: EventEnvelope;
  readonly topic: string;
  /** Partition of the topic (the Postgres log has one: 0). */
  readonly partition: number;
  /**
   * Opaque position of this message within (topic, partition). A subscriber
   * that keeps its own checkpoints stores it, and hands it back through
   * `SubscribeOptions.checkpoints` to resume after it.
   */
  readonly cursor: string;
}

/** Checkpoints a subscriber keeps itself (e.g. in the same transaction as its read model). */
export interface CheckpointSource {
  /** The last processed cursor per `topic:partition`, or an empty object to start from the beginning. */
  load(): Promise<Record<string, string>>;
}

export interface SubscribeOptions {
  /** Consumer group: each group receives every event once (at least once). */
  readonly group: string;
  /** Topics to read (see `topicFor`). */
  readonly topics: readonly string[];
  /**
   * Handle a batch, in order per aggregate. Resolve to acknowledge the batch;
   * throw to have it delivered again (after `retryDelayMs`).
   */
  handle(batch: readonly Delivery[]): Promise<void>;
  /** When given, the bus resumes from these checkpoints instead of its own. */
  readonly checkpoints?: CheckpointSource;
  readonly maxBatch?: number;
  readonly retryDelayMs?: number;
  /**
   * After this many failed attempts the batch's first message goes to the
   * dead-letter destination with the error and the subscription moves on.
   * Default: retry forever.
   */
  readonly maxAttempts?: number;
}

export interface Subscription {
  /** Stop consuming; resolves once the in-flight batch is done. */
  close(): Promise<void>;
}

/**
 * Distributes events to subscribers, at least once, in order per aggregate.
 * Embedded: the event store's own log (`postgres-log-event-bus.ts`).
 * Production: Kafka (`kafka-event-bus.ts`), fed by the outbox relay.
 *
 * @example
 * const sub = await bus.subscribe({ group: 'video-worker', topics: ['videos.events.v1'],
 *   handle: async (batch) => { for (const d of batch) await render(d.event); } });
 */
export interface EventBus {
  /**
   * Publish envelopes. Keyed by aggregate id. Publishing an event id that was
   * already published has no further effect for the Postgres log.
   */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}
