import { sql } from 'kysely';
import { type App, PostgresEventStore, PostgresLogEventBus, type TokenVerifier } from '@poc/platform';
import { Projector, analyticsProjection, loadCheckpoints, postgresLogSource } from '@poc/projections';
import { type ReadSideHarness, startReadSide } from '@poc/query/src/testing/harness.ts';
import { buildApp } from '../app.ts';
import { loadServiceEnv } from '../env.ts';
import { RebuildJobs, migrateReports } from '../rebuilds/jobs.ts';

export type { TestUser } from '@poc/query/src/testing/harness.ts';

export interface ReportsHarness extends ReadSideHarness {
  readonly reports: App;
  readonly store: PostgresEventStore;
  /** Resolves once both projections (POC read model + search, analytics) have applied every event in the store. */
  settle(): Promise<void>;
}

/**
 * pocs + the POC projector + query (the read side's harness) plus the
 * analytics projector and the reports service, in this process, on one fresh
 * database: as `pnpm start` runs them.
 */
export async function startReports(options: { verifier?: TokenVerifier; env?: Record<string, string> } = {}): Promise<ReportsHarness> {
  const read = await startReadSide(options.verifier ? { verifier: options.verifier } : {});
  const db = read.database.db;
  await migrateReports(db);
  const store = new PostgresEventStore(db, { url: read.database.url });
  const bus = new PostgresLogEventBus(db, store);
  const analytics = new Projector({ db, bus, projection: analyticsProjection({ db, store }), sourceOf: postgresLogSource, maxBatch: 500 });
  await analytics.start();
  const env = loadServiceEnv({ DATABASE_URL: read.database.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000', REPORTS_EXPORT_PAGE: '7', ...options.env });
  const jobs = new RebuildJobs({ db, store, batch: 500 });
  const reports = await buildApp({ env, db, store, search: read.search, verifier: options.verifier ?? read.issuer.verifier, jobs, logger: false });
  await reports.ready();
  return {
    ...read,
    reports,
    store,
    async settle() {
      const deadline = Date.now() + 10_000;
      const head = async (types: string) =>
        (await sql<{ c: string }>`select tx_id::text || ':' || position as c from eventstore.events where type like ${types}
          order by tx_id desc, position desc limit 1`.execute(db)).rows[0]?.c;
      for (;;) {
        const [pocHead, anyHead] = await Promise.all([head('poc.%'), head('%')]);
        const [pocs, analyticsAt] = await Promise.all([loadCheckpoints(db, 'pocs'), loadCheckpoints(db, 'analytics')]);
        // The analytics projection reads every event here (POCs and dojos); the POC projection only POC events.
        if ((pocHead === undefined || pocs['log:0'] === pocHead) && (anyHead === undefined || analyticsAt['log:0'] === anyHead)) return;
        if (Date.now() > deadline) throw new Error(`projections did not catch up: pocs ${pocs['log:0']} of ${pocHead}, analytics ${analyticsAt['log:0']} of ${anyHead}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await reports.close();
      await jobs.drain();
      await analytics.stop();
      await bus.close();
      await store.close();
      await read.close();
    },
  };
}
