import { createCache, createDatabase, createTokenVerifier, runService } from '@poc/platform';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';

await runService(loadServiceEnv, async (env) => {
  const db = createDatabase({ url: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'dojo' });
  // Redis with REDIS_URL (processes share rooms), else in process: one code path either way.
  const cache = await createCache(env);
  const verifier = createTokenVerifier({ issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwksUrl: env.JWKS_URL });
  const app = await buildApp({ env, db, verifier, cache });
  return {
    app,
    close: async () => {
      await cache.close();
      await db.destroy();
    },
  };
});
