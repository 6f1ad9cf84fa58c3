export * from './errors.ts';
export * from './config/env.ts';
export * from './logger.ts';
export * from './http/app.ts';
export * from './http/problem.ts';
export * from './http/serve.ts';
export * from './http/health.ts';
export * from './http/metrics.ts';
export * from './db/database.ts';
export * from './db/migrate.ts';
export * from './db/embedded-postgres.ts';
export * from './ports/events.ts';
export * from './ports/event-store.ts';
export * from './ports/event-bus.ts';
export * from './ports/search.ts';
export * from './ports/blob-store.ts';
export * from './ports/cache.ts';
export * from './adapters/postgres-event-store.ts';
export * from './adapters/postgres-log-event-bus.ts';
export * from './http/run.ts';
export * from './auth/principal.ts';
export * from './auth/verifier.ts';
export * from './auth/plugin.ts';
<<<<<<< HEAD
export * from './adapters/postgres-search.ts';
export * from './adapters/opensearch-search.ts';
export * from './adapters/search-config.ts';
=======
export * from './tenancy/placement.ts';
export * from './tenancy/provisioning.ts';
export * from './tenancy/catalog.ts';
>>>>>>> main
