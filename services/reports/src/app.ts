import type { Kysely } from 'kysely';
import { type App, type EventStore, type SearchPort, type TokenVerifier, authPlugin, createApp, databaseCheck } from '@poc/platform';
import type { Env } from './env.ts';
import type { RebuildJobs } from './rebuilds/jobs.ts';
import { reportRoutes } from './routes/reports.ts';

export interface Deps {
  env: Env;
  /** Migrated with `migrateReports` (server.ts does it at start); the projector fills the analytics tables. */
  db: Kysely<unknown>;
  /** The event store: as-of summaries replay it. */
  store: EventStore;
  /** Exports with free text go through search, like `GET /v1/pocs`. */
  search: SearchPort;
  verifier: TokenVerifier;
  jobs: RebuildJobs;
  logger?: boolean;
}

/** The reports service: CSV and PDF reports, analytics summaries, as-of replays and projection rebuilds. */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({ service: 'reports', env: deps.env, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
  app.addReadinessCheck('postgres', databaseCheck(deps.db));
  app.addReadinessCheck('search', () => deps.search.ping());
  await app.register(authPlugin, { verifier: deps.verifier });
  await app.register(reportRoutes, {
    db: deps.db,
    store: deps.store,
    search: deps.search,
    jobs: deps.jobs,
    exportPageSize: deps.env.REPORTS_EXPORT_PAGE,
    replayBatch: deps.env.REPORTS_REPLAY_BATCH,
  });
  return app;
}
