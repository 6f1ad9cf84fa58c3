import type { Kysely } from 'kysely';
import { type App, type EventBus, type EventStore, type SearchPort, createApp, databaseCheck } from '@poc/platform';
import type { Env } from './env.ts';
import { analyticsProjection } from './analytics/projection.ts';
import { pocProjection } from './pocs/projection.ts';
import { Projector, postgresLogLag, postgresLogSource } from './runtime/projector.ts';

export interface Deps {
  env: Env;
  /** Migrated with `migrateProjections` (server.ts does it at start). */
  db: Kysely<unknown>;
  store: EventStore;
  bus: EventBus;
  search: SearchPort;
  /** True when `bus` is the embedded Postgres log (one cursor for every topic, lag read from the log). */
  postgresLog: boolean;
  logger?: boolean;
}

export interface ProjectorService {
  app: App;
  /** The POC read model and search index. */
  projector: Projector<unknown>;
  /** The analytics tables the reports count from. */
  analytics: Projector<unknown>;
}

/**
 * The projector worker: the POC projection (read model + search index) and
 * the analytics projection (what the reports count), each run live from the
 * event bus with its own checkpoints, and its HTTP side for the orchestrator: health,
 * and `/metrics` with the lag of each projection (`projector_lag_seconds`, `projector_lag_events`,
 * `projector_event_lag_seconds`, labelled `projection`).
 */
export async function buildApp(deps: Deps): Promise<ProjectorService> {
  const app = await createApp({ service: 'projections', env: deps.env, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
  app.addReadinessCheck('postgres', databaseCheck(deps.db));
  app.addReadinessCheck('search', () => deps.search.ping());
  const projection = pocProjection({ db: deps.db, search: deps.search, store: deps.store });
  const projector = new Projector({
    db: deps.db,
    bus: deps.bus,
    projection,
    maxBatch: deps.env.PROJECTOR_MAX_BATCH,
    metrics: app.metrics,
    onError: (error) => app.log.error({ err: error }, 'projection batch failed; it will be retried'),
    ...(deps.postgresLog ? { sourceOf: postgresLogSource, lag: postgresLogLag(deps.db, projection) } : {}),
  });
  const counts = analyticsProjection({ db: deps.db, store: deps.store });
  const analytics = new Projector({
    db: deps.db,
    bus: deps.bus,
    projection: counts,
    maxBatch: deps.env.PROJECTOR_MAX_BATCH,
    metrics: app.metrics,
    onError: (error) => app.log.error({ err: error }, 'analytics batch failed; it will be retried'),
    ...(deps.postgresLog ? { sourceOf: postgresLogSource, lag: postgresLogLag(deps.db, counts) } : {}),
  });
  return { app, projector: projector as Projector<unknown>, analytics: analytics as Projector<unknown> };
}
