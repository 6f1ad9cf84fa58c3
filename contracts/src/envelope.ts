import './formats.ts';
import { type Static, type TLiteral, type TObject, type TSchema, Type } from '@sinclair/typebox';

/** A UUID (any version; the store issues UUIDv7 event ids). */
export const Uuid = Type.String({ format: 'uuid' });
/** An RFC 3339 instant, written in UTC by every producer. */
export const Instant = Type.String({ format: 'date-time' });

/**
 * The fields of the event envelope (ARCHITECTURE.md, Events) without `type`,
 * `schemaVersion` and `data`, which each event definition fills in.
 * `@poc/platform`'s `EventEnvelope` interface is the TypeScript view of the same shape.
 */
const envelopeFields = {
  /** UUIDv7: unique, roughly time-ordered. */
  id: Uuid,
  tenantId: Uuid,
  /** The aggregate's id; the stream is `<context>-<aggregateId>` (e.g. `poc-<uuid>`). */
  aggregateId: Type.String({ minLength: 1 }),
  /** 1 for the first event of a stream, then +1 per event. */
  aggregateVersion: Type.Integer({ minimum: 1 }),
  occurredAt: Instant,
  /** Who caused it: `user:<id>` or `system:<component>`. */
  actor: Type.String({ pattern: '^(user|system):.+$' }),
  correlationId: Type.String({ minLength: 1 }),
  causationId: Type.Union([Type.String(), Type.Null()]),
  /** W3C trace context of the request that caused it, when there was one. */
  traceparent: Type.Optional(Type.Union([Type.String(), Type.Null()])),
};

/**
 * Any event, whatever its type: what a transport (the Postgres log, a Kafka
 * message value) carries. `data` is checked by the event's own schema.
 *
 * @example
 * { "id": "0192…", "type": "poc.created", "schemaVersion": 2, "tenantId": "…", "aggregateId": "…",
 *   "aggregateVersion": 1, "occurredAt": "2025-01-01T10:00:00.000Z", "actor": "user:…",
 *   "correlationId": "…", "causationId": null, "data": { … } }
 */
export const EventEnvelopeSchema = Type.Object(
  {
    ...envelopeFields,
    /** `<context>.<what happened>`, e.g. `poc.created`. The context names the Kafka topic (`pocs.events.v1`). */
    type: Type.String({ pattern: '^[a-z]+(\\.[a-z_]+)+$' }),
    /** Version of `data`'s schema for this type; old versions are upcast on read, never rewritten. */
    schemaVersion: Type.Integer({ minimum: 1 }),
    data: Type.Unknown(),
  },
  { $id: 'EventEnvelope', title: 'Event envelope' },
);
export type EventEnvelope = Static<typeof EventEnvelopeSchema>;

/** The envelope of one event type at one schema version: `type` and `schemaVersion` fixed, `data` typed. */
export function envelopeOf<T extends string, V extends number, D extends TSchema>(
  type: T,
  schemaVersion: V,
  data: D,
): TObject<typeof envelopeFields & { type: TLiteral<T>; schemaVersion: TLiteral<V>; data: D }> {
  return Type.Object({ ...envelopeFields, type: Type.Literal(type), schemaVersion: Type.Literal(schemaVersion), data });
}

/**
 * What a consumer needs of a stored event to upcast and fold it: the envelope
 * minus transport details. `@poc/platform`'s `StoredEvent` satisfies it.
 */
export interface RawEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}
