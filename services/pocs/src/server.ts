import { createDatabase, runService } from '@poc/platform';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';

await runService(loadServiceEnv, async (env) => {
  const db = createDatabase({ url: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'pocs' });
  const app = await buildApp({ env, db });
  return { app, close: () => db.destroy() };
});
