import type { Kysely } from 'kysely';
import { type App, type EventStore, type TokenVerifier, authPlugin, createApp, databaseCheck } from '@poc/platform';
import type { Env } from './env.ts';
import { PocCommands } from './pocs.ts';
import { pocRoutes } from './routes/pocs.ts';

export interface Deps {
  env: Env;
  /** Migrated with `migratePocs` (server.ts does it at start). */
  db: Kysely<unknown>;
  eventStore: EventStore;
  verifier: TokenVerifier;
  logger?: boolean;
}

/** The pocs service: the POC write side. Commands are decided by the POC aggregate and appended to the event store. */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({ service: 'pocs', env: deps.env, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
  app.addReadinessCheck('postgres', databaseCheck(deps.db));
  await app.register(authPlugin, { verifier: deps.verifier });
  await app.register(pocRoutes, { commands: new PocCommands(deps.eventStore) });
  return app;
}
