import {
  PostgresEventStore,
  PostgresLogEventBus,
  TenantDatabases,
  TenantProvisioner,
  createDatabase,
  createSearchPort,
  postgresSchemaStep,
  runService,
  searchIndexStep,
} from '@poc/platform';
import { pocReadModelStep } from '@poc/projections';
import { buildApp } from './app.ts';
import { loadServiceEnv, siloDatabases } from './env.ts';

await runService(loadServiceEnv, async (env) => {
  const db = createDatabase({ url: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'identity' });
  const store = new PostgresEventStore(db, { url: env.DATABASE_URL });
  const bus = new PostgresLogEventBus(db, store);
  // A new tenant is active once its schema, its POC read model and its search index exist.
  const databases = new TenantDatabases(db, siloDatabases(env));
  const search = await createSearchPort(env, db);
  const provisioner = new TenantProvisioner([postgresSchemaStep(databases), pocReadModelStep(databases), searchIndexStep(search)]);
  const app = await buildApp({ env, db, store, bus, provisioner });
  return {
    app,
    close: async () => {
      await bus.close();
      await store.close();
      await search.close();
      await db.destroy();
    },
  };
});
