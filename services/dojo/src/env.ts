import { type Static, Type } from '@sinclair/typebox';
import { authEnv, commonEnv, databaseEnv, enginesEnv, loadEnv } from '@poc/platform';

/** The dojo service's configuration: see the root README for every variable. */
export const Env = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  ...authEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8084 }),
  /** Redis for scale-out (pub/sub between dojo processes, snapshot leases); unset: one process, in memory. */
  REDIS_URL: enginesEnv.REDIS_URL,
  /** Largest WebSocket frame a client may send (close 4413 above). */
  DOJO_MAX_MESSAGE_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** Largest shared document (close 4413 when an update would grow it past this). */
  DOJO_MAX_DOCUMENT_BYTES: Type.Integer({ minimum: 1024, default: 4_194_304 }),
  /** Sustained frames per second per connection (close 4429 past the burst). */
  DOJO_MESSAGES_PER_SECOND: Type.Integer({ minimum: 1, default: 50 }),
  /** Frames a connection may send at once before the rate applies. */
  DOJO_MESSAGE_BURST: Type.Integer({ minimum: 1, default: 200 }),
  /** How long the first update of a batch waits before the batch is committed (the room's other clients do not wait). */
  DOJO_STORE_BATCH_MS: Type.Integer({ minimum: 0, maximum: 1000, default: 5 }),
  /**
   * How long an update nobody waits for (no `?ack=true` author, no other process serving the room) may wait
   * for its batch: fewer, larger commits. Every client of the room has it at once; what a crash interrupts,
   * they send again on reconnect.
   */
  DOJO_STORE_LAZY_BATCH_MS: Type.Integer({ minimum: 0, maximum: 1000, default: 50 }),
  /** How long an empty room stays in memory. */
  DOJO_ROOM_IDLE_MS: Type.Integer({ minimum: 0, default: 1_000 }),
  /** How often the room's lease holder folds stored updates into the snapshot. */
  DOJO_COMPACT_EVERY_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  /** How often processes sharing a room compare state vectors (repairs a lost pub/sub message). */
  DOJO_ANTI_ENTROPY_MS: Type.Integer({ minimum: 100, default: 15_000 }),
});
export type Env = Static<typeof Env>;

export const loadServiceEnv = (source: Record<string, string | undefined> = process.env): Env => loadEnv(Env, source);
