import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type App, PostgresEventStore, type Role, type TokenVerifier, asSystem } from '@poc/platform';
import { createTestDatabase, createTestIssuer, type TestDatabase, type TestIssuer } from '@poc/platform/testing';
import { buildApp } from '../app.ts';
import { loadServiceEnv } from '../env.ts';
import { migratePocs } from '../store/migrations.ts';

/** A user of a tenant, with a token the service accepts. */
export interface TestUser {
  readonly tenantId: string;
  readonly userId: string;
  readonly token: string;
  readonly auth: { authorization: string };
}

export interface PocsHarness {
  readonly app: App;
  readonly database: TestDatabase<unknown>;
  readonly store: PostgresEventStore;
  readonly issuer: TestIssuer;
  user(roles?: Role[], tenantId?: string): Promise<TestUser>;
  /**
   * Every committed event of a tenant, by position. Read straight from the table:
   * `readAll` holds back events while any older transaction of the cluster is open
   * (its commit-safe order), and other test files run transactions concurrently.
   */
  eventsOf(tenantId: string): Promise<{ type: string; stream_id: string; version: number; data: unknown }[]>;
  close(): Promise<void>;
}

/** The pocs service on a fresh, migrated database, with an in-test token issuer (or the given verifier). */
export async function startPocs(env: Record<string, string> = {}, verifier?: TokenVerifier): Promise<PocsHarness> {
  const database = await createTestDatabase('poc_pocs');
  await migratePocs(database.db);
  const issuer = await createTestIssuer();
  const store = new PostgresEventStore(database.db, { url: database.url });
  const app = await buildApp({
    env: loadServiceEnv({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000', ...env }),
    db: database.db,
    eventStore: store,
    verifier: verifier ?? issuer.verifier,
    logger: false,
  });
  await app.ready();
  return {
    app,
    database,
    store,
    issuer,
    async user(roles = ['member'], tenantId = randomUUID()) {
      const userId = randomUUID();
      const token = await issuer.token({ tenantId, userId, roles });
      return { tenantId, userId, token, auth: { authorization: `Bearer ${token}` } };
    },
    eventsOf: (tenantId) =>
      asSystem(database.db, async (trx) =>
        (await sql<{ type: string; stream_id: string; version: number; data: unknown }>`
          select type, stream_id, version, data from eventstore.events where tenant_id = ${tenantId} order by position`.execute(trx)).rows,
      ),
    async close() {
      await app.close();
      await store.close();
      await database.drop();
    },
  };
}
