import type { Kysely } from 'kysely';
import { Counter, Gauge } from 'prom-client';
import { type App, type Cache, PostgresEventStore, type TokenVerifier, authPlugin, createApp, databaseCheck } from '@poc/platform';
import type { Env } from './env.ts';
import { authenticateExtension } from './extensions/authenticate.ts';
import { fanoutExtension } from './extensions/fanout.ts';
import { RoomLeases } from './extensions/leases.ts';
import { persistenceExtension } from './extensions/persistence.ts';
import { SessionExtension } from './extensions/session.ts';
import { dojoRoutes } from './routes/dojos.ts';
import { syncRoutes } from './routes/sync.ts';
import { DocumentStore } from './store/documents.ts';
import { DojoRepository } from './store/dojos.ts';
import { migrateDojo } from './store/migrations.ts';
import { SyncServer } from './sync/sync-server.ts';
import type { Extension } from './sync/types.ts';

export interface Deps {
  env: Env;
  db: Kysely<unknown>;
  verifier: TokenVerifier;
  /** The shared cache (Redis) for scale-out, or the in-process one; without any, this process serves every room alone. */
  cache?: Cache;
  /** More sync extensions, run after the built-in ones. */
  extensions?: readonly Extension[];
  logger?: boolean;
}

export interface DojoApp extends App {
  readonly sync: SyncServer;
}

/** The dojo service: real-time dojos, their lifecycle and the shared Yjs editor over WebSockets. */
export async function buildApp(deps: Deps): Promise<DojoApp> {
  const { env, db } = deps;
  await migrateDojo(db);
  const app = await createApp({ service: 'dojo', env, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
  app.addReadinessCheck('postgres', databaseCheck(db));
  const cache = deps.cache;
  if (cache) app.addReadinessCheck('cache', () => cache.ping());

  const events = new PostgresEventStore(db, { url: env.DATABASE_URL });
  const dojos = new DojoRepository(db, events);
  const documents = new DocumentStore(db, { batchMs: env.DOJO_STORE_BATCH_MS, lazyBatchMs: env.DOJO_STORE_LAZY_BATCH_MS });
  const logger = app.log;
  const sessions = new SessionExtension({ dojos, logger });
  const extensions: Extension[] = [
    authenticateExtension({ verifier: deps.verifier, dojos }),
    persistenceExtension({ documents, dojos, leases: new RoomLeases(cache), compactEveryMs: env.DOJO_COMPACT_EVERY_MS, logger }),
    ...(cache ? [fanoutExtension({ cache, antiEntropyMs: env.DOJO_ANTI_ENTROPY_MS, logger })] : []),
    sessions,
    ...(deps.extensions ?? []),
  ];
  const registers = [app.metrics];
  // No labels: one series per process, whatever the number of rooms.
  const stored = new Counter({ name: 'dojo_updates_stored_total', help: 'Document updates stored by this process', registers });
  extensions.push({ name: 'metrics', onChange: () => stored.inc() });
  const sync = new SyncServer({
    extensions,
    limits: {
      maxMessageBytes: env.DOJO_MAX_MESSAGE_BYTES,
      maxDocumentBytes: env.DOJO_MAX_DOCUMENT_BYTES,
      messagesPerSecond: env.DOJO_MESSAGES_PER_SECOND,
      messageBurst: env.DOJO_MESSAGE_BURST,
      roomIdleMs: env.DOJO_ROOM_IDLE_MS,
    },
    logger,
  });
  sessions.attach(sync);
  new Gauge({ name: 'dojo_rooms', help: 'Dojo rooms in memory in this process', registers, collect() { this.set(sync.roomCount); } });
  new Gauge({ name: 'dojo_connections', help: 'Open dojo sync connections in this process', registers, collect() { this.set(sync.connectionCount); } });
  app.decorate('sync', sync);
  app.addHook('onClose', async () => events.close());

  await app.register(authPlugin, { verifier: deps.verifier });
  await app.register(async (scope) => syncRoutes(scope as App, { sync, maxMessageBytes: env.DOJO_MAX_MESSAGE_BYTES }));
  await app.register(async (scope) => dojoRoutes(scope as App, { dojos, documents, sessions }));
  return app as DojoApp;
}
