/**
 * The event envelope every event travels in (ARCHITECTURE.md, Events).
 * `contracts/` defines the payloads; the platform only moves envelopes.
 */
export interface EventEnvelope<TType extends string = string, TData = unknown> {
  /** UUIDv7: unique, roughly time-ordered. */
  readonly id: string;
  /** e.g. `poc.created`. The part before the first dot names the bounded context. */
  readonly type: TType;
  readonly schemaVersion: number;
  readonly tenantId: string;
  readonly aggregateId: string;
  /** 1 for the first event of a stream, then +1 per event. */
  readonly aggregateVersion: number;
  /** RFC 3339 UTC. */
  readonly occurredAt: string;
  /** Who caused it: `user:<id>`, `system:<component>`. */
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly data: TData;
  /** W3C trace context of the request that caused it, when there was one. */
  readonly traceparent?: string | null;
}

/** An event as it sits in the store: the envelope plus where it sits. */
export interface StoredEvent<TType extends string = string, TData = unknown> extends EventEnvelope<TType, TData> {
  readonly streamId: string;
  /** Monotonic store-wide number (for humans and tie-breaks). */
  readonly position: number;
  /**
   * Opaque, totally ordered cursor of the global log: read everything after it
   * with `readAll(cursor)`. Compare with `compareCursors`.
   */
  readonly cursor: string;
}

/**
 * What a replay folds of a stored event (`EventStore.readHistory`): the
 * envelope without its ids, causality and log position, which no fold reads.
 * A `StoredEvent` is one too, so a fold takes either.
 */
export type HistoryEvent<TType extends string = string, TData = unknown> = Pick<
  EventEnvelope<TType, TData>,
  'type' | 'schemaVersion' | 'tenantId' | 'aggregateId' | 'aggregateVersion' | 'occurredAt' | 'actor' | 'data'
>;

/** The event a decider produced, before the store fills in ids, versions and time. */
export interface NewEvent<TType extends string = string, TData = unknown> {
  readonly type: TType;
  readonly schemaVersion: number;
  readonly data: TData;
}

/** Who asks, for the envelope's causality fields. */
export interface AppendContext {
  readonly tenantId: string;
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
  readonly traceparent?: string | null;
}

/** Maps an event type to its Kafka topic: one per bounded context. */
export function topicFor(type: string): string {
  const context = type.split('.')[0] ?? type;
  const plural: Record<string, string> = {
    poc: 'pocs',
    dojo: 'dojos',
    tenant: 'identity',
    user: 'identity',
    video: 'videos',
    report: 'reports',
  };
  return `${plural[context] ?? context}.events.v1`;
}
