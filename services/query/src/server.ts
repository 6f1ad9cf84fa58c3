import { createDatabase, createSearchPort, createTokenVerifier, runService } from '@poc/platform';
import { migrateProjections, projectionChannel } from '@poc/projections';
import { buildApp } from './app.ts';
import { ListeningWaiter } from './consistency.ts';
import { loadServiceEnv } from './env.ts';

await runService(loadServiceEnv, async (env) => {
  const db = createDatabase({ url: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'query' });
  // The projector owns these tables; migrating here too lets either start first.
  await migrateProjections(db);
  const search = await createSearchPort(env, db);
  const verifier = createTokenVerifier({ issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwksUrl: env.JWKS_URL });
  const waiter = new ListeningWaiter(env.DATABASE_URL, projectionChannel('pocs'));
  const app = await buildApp({ env, db, search, verifier, waiter });
  return {
    app,
    close: async () => {
      await waiter.close();
      await search.close();
      await db.destroy();
    },
  };
});
