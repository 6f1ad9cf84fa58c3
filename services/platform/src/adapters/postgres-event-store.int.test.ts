import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { testEventStorePort } from '../testing/event-store-contract.ts';
import { testEventBusPort } from '../testing/event-bus-contract.ts';
import { PostgresEventStore, appendInTransaction, withTenant } from './postgres-event-store.ts';
import { PostgresLogEventBus } from './postgres-log-event-bus.ts';

testEventStorePort('postgres', async () => {
  const t = await createTestDatabase('poc_es');
  await PostgresEventStore.migrate(t.db);
  const store = new PostgresEventStore(t.db, { url: t.url });
  return { store, teardown: async () => { await store.close(); await t.drop(); } };
});

testEventBusPort('postgres log', async () => {
  const t = await createTestDatabase('poc_bus');
  await PostgresEventStore.migrate(t.db);
  const store = new PostgresEventStore(t.db, { url: t.url });
  const bus = new PostgresLogEventBus(t.db, store);
  const opened: PostgresLogEventBus[] = [];
  return {
    bus,
    reopen: async () => {
      const b = new PostgresLogEventBus(t.db, store);
      opened.push(b);
      return b;
    },
    teardown: async () => {
      await bus.close();
      await Promise.all(opened.map((b) => b.close()));
      await store.close();
      await t.drop();
    },
  };
});

describe('event store row-level security', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  beforeAll(async () => {
    t = await createTestDatabase('poc_rls');
    await PostgresEventStore.migrate(t.db);
    store = new PostgresEventStore(t.db, { url: t.url });
  });
  afterAll(async () => {
    await store.close();
    await t.drop();
  });

  it("a tenant-scoped transaction sees no row of another tenant, even without a tenant filter", async () => {
    const a = randomUUID();
    const b = randomUUID();
    await store.append(`poc-${randomUUID()}`, 'no_stream', [{ type: 'poc.created', schemaVersion: 1, data: {} }], { tenantId: a, actor: 'user:x', correlationId: 'c' });
    await store.append(`poc-${randomUUID()}`, 'no_stream', [{ type: 'poc.created', schemaVersion: 1, data: {} }], { tenantId: b, actor: 'user:y', correlationId: 'c' });
    const seen = await withTenant(t.db, a, async (trx) =>
      (await sql<{ tenant_id: string }>`select tenant_id from eventstore.events`.execute(trx)).rows,
    );
    expect(seen.map((r) => r.tenant_id)).toEqual([a]);
  });

  it("a tenant-scoped transaction cannot write a row for another tenant", async () => {
    const a = randomUUID();
    await expect(
      withTenant(t.db, a, async (trx) =>
        sql`insert into eventstore.events (id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, occurred_at)
            values (${randomUUID()}, ${randomUUID()}, 'poc-x', 1, 'poc.created', 1, '{}', 'a', 'c', now())`.execute(trx),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('every appended event has its outbox row in the same transaction', async () => {
    const tenant = randomUUID();
    const aggregate = randomUUID();
    const { events } = await store.append(`poc-${aggregate}`, 'no_stream', [{ type: 'poc.created', schemaVersion: 1, data: {} }, { type: 'poc.updated', schemaVersion: 1, data: {} }], { tenantId: tenant, actor: 'user:x', correlationId: 'c' });
    const rows = await sql<{ position: number; topic: string; message_key: string }>`
      select position, topic, message_key from eventstore.outbox where tenant_id = ${tenant} order by position`.execute(t.db);
    expect(rows.rows).toEqual(events.map((e) => ({ position: e.position, topic: 'pocs.events.v1', message_key: aggregate })));
  });
});

describe('appendInTransaction (a read model written atomically with its events)', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  beforeAll(async () => {
    t = await createTestDatabase('poc_es_tx');
    await PostgresEventStore.migrate(t.db);
    await sql`create table rm (tenant_id uuid not null, id text primary key, version int not null);
      grant select, insert on rm to poc_app`.execute(t.db);
    store = new PostgresEventStore(t.db, { url: t.url });
  });
  afterAll(async () => {
    await store.close();
    await t.drop();
  });
  const ctx = (tenantId: string) => ({ tenantId, actor: 'user:test', correlationId: randomUUID() });
  const ev = { type: 'dojo.started', schemaVersion: 1, data: {} };

  it('given a row written in the same tenant transaction, then the row and the events commit together', async () => {
    const tenant = randomUUID();
    await withTenant(t.db, tenant, async (trx) => {
      const result = await appendInTransaction(trx, 'dojo-a', 'no_stream', [ev], ctx(tenant));
      await sql`insert into rm values (${tenant}, 'a', ${result.version})`.execute(trx);
    });
    expect((await sql<{ version: number }>`select version from rm where id = 'a'`.execute(t.db)).rows).toEqual([{ version: 1 }]);
    expect(await store.readStream(tenant, 'dojo-a')).toHaveLength(1);
  });

  it('given the transaction fails after the append, then neither the events nor the row are stored', async () => {
    const tenant = randomUUID();
    await expect(
      withTenant(t.db, tenant, async (trx) => {
        await appendInTransaction(trx, 'dojo-b', 'no_stream', [ev], ctx(tenant));
        await sql`insert into rm values (${tenant}, 'b', 1)`.execute(trx);
        throw new Error('read model refused');
      }),
    ).rejects.toThrow('read model refused');
    expect((await sql`select * from rm where id = 'b'`.execute(t.db)).rows).toEqual([]);
    expect(await store.readStream(tenant, 'dojo-b')).toEqual([]);
  });
});

describe('readAll across transaction ids of different lengths', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  beforeAll(async () => {
    t = await createTestDatabase('poc_es_order');
    await PostgresEventStore.migrate(t.db);
    store = new PostgresEventStore(t.db, { url: t.url });
  });
  afterAll(async () => {
    await store.close();
    await t.drop();
  });

  // Regression: the log was ordered by the text of the transaction id, so "1000" came before "999" and
  // a reader paging after "1000" never saw the events of transaction 999 (and every page sorted the log).
  it('pages through the log in transaction order: no event is skipped when the id gains a digit', async () => {
    const tenantId = randomUUID();
    for (const [tx, version] of [[999, 1], [999, 2], [1000, 3], [1001, 4]] as const) {
      await sql`insert into eventstore.events (id, tx_id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, occurred_at)
        values (${randomUUID()}, ${String(tx)}::xid8, ${tenantId}, 'poc-order', ${version}, 'poc.tagged', 1, '{}'::jsonb, 'user:x', 'c', now())`.execute(t.db);
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await store.readAll(cursor, { tenantId, limit: 1 });
      if (page.length === 0) break;
      seen.push(page[0]!.aggregateVersion);
      cursor = page[0]!.cursor;
    }
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});

describe('waking readers in other processes (NOTIFY)', () => {
  let t: TestDatabase<unknown>;
  let listener: pg.Client;
  const received: number[] = [];
  beforeAll(async () => {
    t = await createTestDatabase('poc_es_notify');
    await PostgresEventStore.migrate(t.db);
    listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    listener.on('notification', () => received.push(performance.now()));
    await listener.query('listen eventstore_appended');
  });
  afterAll(async () => {
    await listener.end();
    await t.drop();
  });

  it('given a burst of appends, then at most one NOTIFY per interval goes out, and one after the last append', async () => {
    const interval = 100;
    const store = new PostgresEventStore(t.db, { url: t.url, notifyIntervalMs: interval });
    const tenantId = randomUUID();
    const context = { tenantId, actor: 'user:u', correlationId: 'c', causationId: null, traceparent: null };
    received.length = 0;
    const started = performance.now();
    // Sequential: without the interval, every append would have its own NOTIFY.
    for (let i = 0; i < 60; i++) await store.append(`poc-${randomUUID()}`, 'no_stream', [{ type: 'poc.tagged', schemaVersion: 1, data: { tag: 'x' } }], context);
    const lastAppended = performance.now();
    await expect.poll(() => received.filter((at) => at > lastAppended).length, { timeout: 5000 }).toBeGreaterThan(0);
    const elapsed = performance.now() - started;
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThanOrEqual(Math.ceil(elapsed / interval) + 1);
    await store.close();
  });

  it('given the store closes with a NOTIFY still owed, then it is sent before close resolves', async () => {
    const store = new PostgresEventStore(t.db, { url: t.url, notifyIntervalMs: 60_000 });
    const context = { tenantId: randomUUID(), actor: 'user:u', correlationId: 'c', causationId: null, traceparent: null };
    await store.append(`poc-${randomUUID()}`, 'no_stream', [{ type: 'poc.tagged', schemaVersion: 1, data: {} }], context);
    await expect.poll(() => received.length, { timeout: 5000 }).toBeGreaterThan(0); // the first one goes at once
    await new Promise((resolve) => setTimeout(resolve, 200)); // and nothing else is still on its way
    received.length = 0;
    await store.append(`poc-${randomUUID()}`, 'no_stream', [{ type: 'poc.tagged', schemaVersion: 1, data: {} }], context);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toHaveLength(0); // owed, within the interval
    await store.close();
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(1);
  });
});
