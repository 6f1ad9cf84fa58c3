import { type Static, Type } from '@sinclair/typebox';
import { commonEnv, databaseEnv, enginesEnv, loadEnv, searchEnv } from '@poc/platform';

/** The projector worker's configuration. */
export const Env = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  ...searchEnv,
  /** Kafka brokers: the projector consumes the topics there (fed by the outbox relay); unset: the event store's log. */
  KAFKA_BROKERS: enginesEnv.KAFKA_BROKERS,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8087 }),
  /** Events per batch: one transaction (read model + checkpoint) and one search write per tenant per batch. */
  PROJECTOR_MAX_BATCH: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
});
export type Env = Static<typeof Env>;

export const loadServiceEnv = (source: Record<string, string | undefined> = process.env): Env => loadEnv(Env, source);
