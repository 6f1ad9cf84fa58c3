import { randomUUID } from 'node:crypto';
import { buildApp as buildPocs } from '@poc/pocs/src/app.ts';
import { loadServiceEnv as loadPocsEnv } from '@poc/pocs/src/env.ts';
import { type App, PostgresEventStore, PostgresLogEventBus, PostgresSearch, type Role, type SearchPort, type TokenVerifier } from '@poc/platform';
import { createTestDatabase, createTestIssuer, type TestDatabase, type TestIssuer } from '@poc/platform/testing';
import { Projector, migrateProjections, pocProjection, postgresLogSource, projectionChannel } from '@poc/projections';
import { buildApp } from '../app.ts';
import { ListeningWaiter } from '../consistency.ts';
import { loadServiceEnv } from '../env.ts';

export interface TestUser {
  readonly tenantId: string;
  readonly userId: string;
  readonly auth: { authorization: string };
}

export interface ReadSideHarness {
  /** The write side (pocs), the read side (query), and the projector between them, on one fresh database. */
  readonly pocs: App;
  readonly query: App;
  readonly database: TestDatabase<unknown>;
  readonly search: SearchPort;
  readonly issuer: TestIssuer;
  user(roles?: Role[], tenantId?: string): Promise<TestUser>;
  close(): Promise<void>;
}

/**
 * pocs + projector + query in this process, as `pnpm start` runs them, with
 * the search port of `search` (PostgreSQL by default).
 */
export async function startReadSide(
  options: { search?: (db: TestDatabase<unknown>) => Promise<SearchPort>; env?: Record<string, string>; verifier?: TokenVerifier } = {},
): Promise<ReadSideHarness> {
  const database = await createTestDatabase('poc_query');
  await PostgresEventStore.migrate(database.db);
  await migrateProjections(database.db);
  const search = options.search
    ? await options.search(database)
    : await (async () => {
        await PostgresSearch.migrate(database.db);
        return new PostgresSearch(database.db);
      })();
  const issuer = await createTestIssuer();
  const store = new PostgresEventStore(database.db, { url: database.url });
  const bus = new PostgresLogEventBus(database.db, store);
  const common = { DATABASE_URL: database.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000' };
  const verifier = options.verifier ?? issuer.verifier;
  const pocs = await buildPocs({ env: loadPocsEnv(common), db: database.db, eventStore: store, verifier, logger: false });
  const projector = new Projector({ db: database.db, bus, projection: pocProjection({ db: database.db, search, store }), sourceOf: postgresLogSource, maxBatch: 200 });
  await projector.start();
  const waiter = new ListeningWaiter(database.url, projectionChannel('pocs'));
  const query = await buildApp({
    env: loadServiceEnv({ ...common, ...options.env }),
    db: database.db,
    search,
    verifier,
    waiter,
    logger: false,
  });
  await Promise.all([pocs.ready(), query.ready()]);
  return {
    pocs,
    query,
    database,
    search,
    issuer,
    async user(roles = ['member'], tenantId = randomUUID()) {
      const userId = randomUUID();
      const token = await issuer.token({ tenantId, userId, roles });
      return { tenantId, userId, auth: { authorization: `Bearer ${token}` } };
    },
    async close() {
      await query.close();
      await pocs.close();
      await projector.stop();
      await waiter.close();
      await bus.close();
      await store.close();
      await search.close();
      await database.drop();
    },
  };
}
