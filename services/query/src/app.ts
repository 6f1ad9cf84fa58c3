import type { Kysely } from 'kysely';
import { type App, createApp, databaseCheck } from '@poc/platform';
import type { Env } from './env.ts';

export interface Deps {
  env: Env;
  db: Kysely<unknown>;
  logger?: boolean;
}

/** The query service: The read side: POC read models and search. */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({ service: 'query', env: deps.env, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
  app.addReadinessCheck('postgres', databaseCheck(deps.db));
  return app;
}
