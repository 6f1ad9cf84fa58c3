import type { Kysely } from 'kysely';
import { type App, createApp, databaseCheck } from '@poc/platform';
import type { Env } from './env.ts';

export interface Deps {
  env: Env;
  db: Kysely<unknown>;
  logger?: boolean;
}

/** The pocs service: The POC write side: commands decided by the POC aggregate, appended to the event store. */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({ service: 'pocs', env: deps.env, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
  app.addReadinessCheck('postgres', databaseCheck(deps.db));
  return app;
}
