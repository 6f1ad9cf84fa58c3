import { type Static, Type } from '@sinclair/typebox';
import { authEnv, commonEnv, databaseEnv, loadEnv } from '@poc/platform';

/** The pocs service's configuration: see the root README for every variable. */
export const Env = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  ...authEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8082 }),
});
export type Env = Static<typeof Env>;

export const loadServiceEnv = (source: Record<string, string | undefined> = process.env): Env => loadEnv(Env, source);
