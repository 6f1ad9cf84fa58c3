import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { testEventStorePort } from '../testing/event-store-contract.ts';
import { testEventBusPort } from '../testing/event-bus-contract.ts';
import { PostgresEventStore, withTenant } from './postgres-event-store.ts';
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
