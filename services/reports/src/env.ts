import { type Static, Type } from '@sinclair/typebox';
import { authEnv, commonEnv, databaseEnv, loadEnv, searchEnv } from '@poc/platform';

/** The reports service's configuration: see the root README for every variable. */
export const Env = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  ...authEnv,
  /** Exports filtered by free text (`q`, `name`) or sorted otherwise than newest first page through the search port. */
  ...searchEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8085 }),
  /** POCs per page an export reads from the read model (memory stays at one page whatever the size). */
  REPORTS_EXPORT_PAGE: Type.Integer({ minimum: 1, maximum: 10_000, default: 1_000 }),
  /** Events per batch an as-of replay or a rebuild reads from the event store. */
  REPORTS_REPLAY_BATCH: Type.Integer({ minimum: 100, maximum: 50_000, default: 10_000 }),
});
export type Env = Static<typeof Env>;

export const loadServiceEnv = (source: Record<string, string | undefined> = process.env): Env => loadEnv(Env, source);
