import { type Static, Type } from '@sinclair/typebox';
import { authEnv, commonEnv, databaseEnv, loadEnv, searchEnv } from '@poc/platform';

/** The query service's configuration: see the root README for every variable. */
export const Env = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  ...authEnv,
  ...searchEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8083 }),
  /** How long a read carrying a Consistency-Token waits at most, in milliseconds (API.md: 5 s). */
  CONSISTENCY_WAIT_MS: Type.Integer({ minimum: 0, maximum: 30_000, default: 5_000 }),
});
export type Env = Static<typeof Env>;

export const loadServiceEnv = (source: Record<string, string | undefined> = process.env): Env => loadEnv(Env, source);
