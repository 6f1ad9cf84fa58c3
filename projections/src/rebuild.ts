/**
 * Rebuild the POC projection from position zero into fresh tables and
 * indexes, then swap them in (the live projector keeps running):
 *
 *   pnpm --filter @poc/projections rebuild              # every tenant
 *   pnpm --filter @poc/projections rebuild <tenant id>  # one tenant
 */
import { PostgresEventStore, createDatabase, createSearchPort } from '@poc/platform';
import { loadServiceEnv } from './env.ts';
import { pocProjection } from './pocs/projection.ts';
import { rebuildProjection } from './runtime/projector.ts';
import { migrateProjections } from './runtime/store.ts';

const env = loadServiceEnv();
const tenantId = process.argv[2];
const db = createDatabase({ url: env.DATABASE_URL, max: 4, applicationName: 'projections-rebuild' });
const store = new PostgresEventStore(db, { url: env.DATABASE_URL });
try {
  await migrateProjections(db);
  const search = await createSearchPort(env, db);
  let last = 0;
  const result = await rebuildProjection({
    db,
    store,
    projection: pocProjection({ db, search, store }),
    // On the embedded Postgres log the live projector reads the same log: it continues where the rebuild ended.
    ...(env.KAFKA_BROKERS ? {} : { logSource: 'log:0' }),
    ...(tenantId ? { scope: { tenantId } } : {}),
    onProgress: (events) => {
      if (events - last >= 10_000) {
        last = events;
        console.log(`  ${events} events`);
      }
    },
  });
  console.log(`rebuilt pocs: ${result.events} events in ${result.seconds.toFixed(1)} s (${(result.events / result.seconds).toFixed(0)} events/s)`);
} finally {
  await store.close();
  await db.destroy();
}
