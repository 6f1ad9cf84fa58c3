import { PostgresEventStore, createDatabase, createTokenVerifier, runService } from '@poc/platform';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';
import { migratePocs } from './store/migrations.ts';

await runService(loadServiceEnv, async (env) => {
  const db = createDatabase({ url: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'pocs' });
  await migratePocs(db);
  const eventStore = new PostgresEventStore(db, { url: env.DATABASE_URL });
  const verifier = createTokenVerifier({ issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwksUrl: env.JWKS_URL });
  const app = await buildApp({ env, db, eventStore, verifier });
  return {
    app,
    close: async () => {
      await eventStore.close();
      await db.destroy();
    },
  };
});
