import { PostgresEventStore, createDatabase, createSearchPort, createTokenVerifier, runService } from '@poc/platform';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';
import { RebuildJobs, migrateReports } from './rebuilds/jobs.ts';

await runService(loadServiceEnv, async (env) => {
  const db = createDatabase({ url: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'reports' });
  // The event store's and the projector's tables too, so the services can start in any order.
  await PostgresEventStore.migrate(db);
  await migrateReports(db);
  const store = new PostgresEventStore(db, { url: env.DATABASE_URL });
  const search = await createSearchPort(env, db);
  const verifier = createTokenVerifier({ issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwksUrl: env.JWKS_URL });
  const jobs = new RebuildJobs({ db, store, batch: env.REPORTS_REPLAY_BATCH });
  const app = await buildApp({ env, db, store, search, verifier, jobs });
  return {
    app,
    close: async () => {
      await jobs.drain();
      await store.close();
      await search.close();
      await db.destroy();
    },
  };
});
