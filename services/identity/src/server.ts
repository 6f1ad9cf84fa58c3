import { PostgresEventStore, PostgresLogEventBus, createDatabase, runService } from '@poc/platform';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';

await runService(loadServiceEnv, async (env) => {
  const db = createDatabase({ url: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'identity' });
  const store = new PostgresEventStore(db, { url: env.DATABASE_URL });
  const bus = new PostgresLogEventBus(db, store);
  const app = await buildApp({ env, db, store, bus });
  return {
    app,
    close: async () => {
      await bus.close();
      await store.close();
      await db.destroy();
    },
  };
});
