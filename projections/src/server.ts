import { PostgresEventStore, createDatabase, createEventBus, createSearchPort, runService } from '@poc/platform';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';
import { migrateProjections } from './runtime/store.ts';

await runService(loadServiceEnv, async (env) => {
  const db = createDatabase({ url: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'projections' });
  await PostgresEventStore.migrate(db);
  await migrateProjections(db);
  const store = new PostgresEventStore(db, { url: env.DATABASE_URL });
  const bus = await createEventBus(env, { db, store, clientId: 'projections' });
  const search = await createSearchPort(env, db);
  const { app, projector, analytics } = await buildApp({ env, db, store, bus, search, postgresLog: !env.KAFKA_BROKERS });
  await projector.start();
  await analytics.start();
  return {
    app,
    close: async () => {
      await projector.stop();
      await analytics.stop();
      await bus.close();
      await store.close();
      await search.close();
      await db.destroy();
    },
  };
});
