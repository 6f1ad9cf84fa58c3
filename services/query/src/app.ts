import type { Kysely } from 'kysely';
import { type App, type SearchPort, type TokenVerifier, authPlugin, createApp, databaseCheck } from '@poc/platform';
import type { ProjectionWaiter } from './consistency.ts';
import type { Env } from './env.ts';
import { pocQueryRoutes } from './routes/pocs.ts';

export interface Deps {
  env: Env;
  /** The database of the read models (the projector creates and fills them). */
  db: Kysely<unknown>;
  search: SearchPort;
  verifier: TokenVerifier;
  waiter: ProjectionWaiter;
  logger?: boolean;
}

/** The query service: the read side of POCs, answered from the read models and the search index. */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({ service: 'query', env: deps.env, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
  app.addReadinessCheck('postgres', databaseCheck(deps.db));
  app.addReadinessCheck('search', () => deps.search.ping());
  await app.register(authPlugin, { verifier: deps.verifier });
  await app.register(pocQueryRoutes, { db: deps.db, search: deps.search, waiter: deps.waiter, consistencyWaitMs: deps.env.CONSISTENCY_WAIT_MS });
  return app;
}
