import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
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

// Group commit: appends arriving while others commit go together in one statement (eventstore.append_batch).
describe('PostgresEventStore.append, grouped', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  const ctx = (tenantId: string, n = 0) => ({ tenantId, actor: `user:u${n}`, correlationId: `corr-${n}`, causationId: null, traceparent: null });
  const created = (n: number) => ({ type: 'poc.created', schemaVersion: 2, data: { name: `poc ${n}` } });
  const txOf = (cursor: string) => cursor.split(':')[0];

  beforeAll(async () => {
    t = await createTestDatabase('poc_es_group');
    await PostgresEventStore.migrate(t.db);
    // One statement at a time: everything asked while it runs waits for the next one.
    store = new PostgresEventStore(t.db, { url: t.url, appendConcurrency: 1 });
  });
  afterAll(async () => {
    await store.close();
    await t.drop();
  });

  it('given appends of several tenants at once, then they commit together and each gets its own events, in its own tenant', async () => {
    const tenants = [randomUUID(), randomUUID(), randomUUID()];
    const asked = Array.from({ length: 30 }, (_, n) => ({ tenant: tenants[n % 3]!, stream: `poc-${randomUUID()}`, n }));
    const results = await Promise.all(asked.map((a) => store.append(a.stream, 'no_stream', [created(a.n), { type: 'poc.tagged', schemaVersion: 1, data: { tags: [`t${a.n}`] } }], ctx(a.tenant, a.n))));
    // The first went alone; the 29 that waited for it went in one transaction.
    expect(new Set(results.slice(1).flatMap((r) => r.events.map((e) => txOf(e.cursor)))).size).toBe(1);
    expect(txOf(results[0]!.events[0]!.cursor)).not.toBe(txOf(results[1]!.events[0]!.cursor));
    for (const [i, a] of asked.entries()) {
      const stored = await store.readStream(a.tenant, a.stream);
      expect(results[i]!.version).toBe(2);
      expect(results[i]!.events).toEqual(stored);
      expect(stored.map((e) => [e.tenantId, e.aggregateVersion, e.actor, e.correlationId, e.data])).toEqual([
        [a.tenant, 1, `user:u${a.n}`, `corr-${a.n}`, { name: `poc ${a.n}` }],
        [a.tenant, 2, `user:u${a.n}`, `corr-${a.n}`, { tags: [`t${a.n}`] }],
      ]);
      // Row-level security held inside the shared transaction: another tenant does not see the stream.
      expect(await store.readStream(tenants.find((x) => x !== a.tenant)!, a.stream)).toEqual([]);
    }
    const outbox = await sql<{ n: number }>`select count(*)::int as n from eventstore.outbox o join eventstore.events e using (position)
      where e.stream_id in (${sql.join(asked.map((a) => a.stream))}) and o.tenant_id = e.tenant_id and o.message_key = substr(e.stream_id, 5)`.execute(t.db);
    expect(outbox.rows[0]!.n).toBe(60);
  });

  it('given one append of a group at a stale version, then it alone fails; the others, on the same stream too, are written in order', async () => {
    const tenant = randomUUID();
    const stream = `poc-${randomUUID()}`;
    const other = `poc-${randomUUID()}`;
    const first = store.append(`poc-${randomUUID()}`, 'no_stream', [created(0)], ctx(tenant)); // goes alone; the rest wait
    const outcomes = await Promise.allSettled([
      store.append(stream, 'no_stream', [created(1)], ctx(tenant)),
      store.append(stream, 'no_stream', [created(2)], ctx(tenant)),
      store.append(stream, 1, [{ type: 'poc.tagged', schemaVersion: 1, data: { tags: ['a'] } }], ctx(tenant)),
      store.append(stream, 'any', [{ type: 'poc.tagged', schemaVersion: 1, data: { tags: ['b'] } }], ctx(tenant)),
      store.append(other, 5, [created(3)], ctx(tenant)),
    ]);
    await first;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected']);
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as Error);
    expect(rejected[0]).toBeInstanceOf(ConcurrencyError);
    expect(rejected[0]!.message).toMatch(/at version 1, expected 0/);
    expect(rejected[1]).toBeInstanceOf(ConcurrencyError);
    expect((await store.readStream(tenant, stream)).map((e) => [e.aggregateVersion, e.data])).toEqual([
      [1, { name: 'poc 1' }],
      [2, { tags: ['a'] }],
      [3, { tags: ['b'] }],
    ]);
    expect(await store.readStream(tenant, other)).toEqual([]);
  });

  it('given an append PostgreSQL refuses inside a group, then it alone fails with that error and the others are written', async () => {
    const tenant = randomUUID();
    const streams = Array.from({ length: 6 }, () => `poc-${randomUUID()}`);
    const first = store.append(`poc-${randomUUID()}`, 'no_stream', [created(0)], ctx(tenant));
    // A NUL character: valid JSON text, but jsonb refuses it (22P05), which fails the whole statement.
    const outcomes = await Promise.allSettled(streams.map((s, i) => store.append(s, 'no_stream', [{ type: 'poc.created', schemaVersion: 2, data: { name: i === 3 ? 'bad\u0000' : `ok ${i}` } }], ctx(tenant))));
    await first;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(((outcomes[3] as PromiseRejectedResult).reason as { code?: string }).code).toBe('22P05');
    for (const [i, s] of streams.entries()) expect(await store.readStream(tenant, s)).toHaveLength(i === 3 ? 0 : 1);
  });

  it('given appends still waiting their turn, when the store closes, then every one is answered first', async () => {
    const closing = new PostgresEventStore(t.db, { url: t.url, appendConcurrency: 1 });
    const tenant = randomUUID();
    const answered: boolean[] = [];
    const appends = Array.from({ length: 10 }, (_, i) =>
      closing.append(`poc-${randomUUID()}`, 'no_stream', [created(i)], ctx(tenant)).then(() => {
        answered[i] = true;
      }),
    );
    await closing.close();
    expect(answered.filter(Boolean)).toHaveLength(10);
    await Promise.all(appends);
  });
});
