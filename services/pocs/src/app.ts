import type { Kysely } from 'kysely';
import { type App, type PostgresEventStore, type TokenVerifier, authPlugin, createApp, databaseCheck } from '@poc/platform';
import type { Env } from './env.ts';
import { PocCommands } from './pocs.ts';
import { pocRoutes } from './routes/pocs.ts';
import { IdempotencyStore } from './store/idempotency.ts';

export interface Deps {
  env: Env;
  /** Migrated with `migratePocs` (server.ts does it at start). */
  db: Kysely<unknown>;
  eventStore: PostgresEventStore;
  verifier: TokenVerifier;
  logger?: boolean;
}

/** The pocs service: the POC write side. Commands are decided by the POC aggregate and appended to the event store. */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({ service: 'pocs', env: deps.env, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
  app.addReadinessCheck('postgres', databaseCheck(deps.db));
  await app.register(authPlugin, { verifier: deps.verifier });
  const keys = new IdempotencyStore(deps.db, deps.env.IDEMPOTENCY_KEY_TTL_HOURS);
  await app.register(pocRoutes, { commands: new PocCommands(deps.eventStore, keys) });

  const purge = setInterval(() => {
    keys.purgeExpired().catch((err: unknown) => app.log.warn({ err }, 'could not purge expired idempotency keys'));
  }, 10 * 60_000);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));
  return app;
}
