import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../errors.ts';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { PostgresEventStore } from './postgres-event-store.ts';

// The one-round-trip append (eventstore.append_events), beyond the shared contract suite.
describe('PostgresEventStore.append', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  const ctx = (tenantId: string) => ({ tenantId, actor: 'user:u1', correlationId: 'corr-1', causationId: 'cause-1', traceparent: null });

  beforeAll(async () => {
    t = await createTestDatabase('poc_es_append');
    await PostgresEventStore.migrate(t.db);
    store = new PostgresEventStore(t.db, { url: t.url });
  });
  afterAll(async () => {
    await store.close();
    await t.drop();
  });

  it('answers exactly the events as stored: ids, versions, positions, cursors, data and envelope', async () => {
    const tenant = randomUUID();
    const stream = `poc-${randomUUID()}`;
    await store.append(stream, 'no_stream', [{ type: 'poc.created', schemaVersion: 2, data: { name: 'a' } }], ctx(tenant));
    const appended = await store.append(
      stream,
      1,
      [
        { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['x'] } },
        { type: 'poc.status_changed', schemaVersion: 1, data: { from: 'idea', to: 'done' } },
      ],
      ctx(tenant),
    );
    expect(appended.version).toBe(3);
    expect(appended.events).toEqual((await store.readStream(tenant, stream)).slice(1));
    expect(appended.events.map((e) => [e.aggregateVersion, e.type, e.causationId])).toEqual([
      [2, 'poc.tagged', 'cause-1'],
      [3, 'poc.status_changed', 'cause-1'],
    ]);
    expect(appended.events[0]!.position).toBeLessThan(appended.events[1]!.position);
  });

  it('names the version the stream is at when the expected one is stale', async () => {
    const tenant = randomUUID();
    const stream = `poc-${randomUUID()}`;
    await store.append(stream, 'no_stream', [{ type: 'poc.created', schemaVersion: 2, data: {} }], ctx(tenant));
    const error = await store.append(stream, 'no_stream', [{ type: 'poc.deleted', schemaVersion: 1, data: {} }], ctx(tenant)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect((error as Error).message).toMatch(/at version 1, expected 0/);
  });

  it("cannot write into another tenant's stream, whatever version it expects", async () => {
    const owner = randomUUID();
    const intruder = randomUUID();
    const stream = `poc-${randomUUID()}`;
    await store.append(stream, 'no_stream', [{ type: 'poc.created', schemaVersion: 2, data: {} }], ctx(owner));
    for (const expected of ['any', 'no_stream', 1] as const) {
      await expect(store.append(stream, expected, [{ type: 'poc.deleted', schemaVersion: 1, data: {} }], ctx(intruder))).rejects.toBeInstanceOf(ConcurrencyError);
    }
    expect((await store.readStream(owner, stream)).map((e) => e.type)).toEqual(['poc.created']);
    expect(await store.readStream(intruder, stream)).toEqual([]);
  });
});
