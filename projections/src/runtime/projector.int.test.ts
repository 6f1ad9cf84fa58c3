import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, PostgresEventStore, PostgresLogEventBus } from '@poc/platform';
import { type TestDatabase, createTestDatabase } from '@poc/platform/testing';
import type { Projection } from './projection.ts';
import { Projector, postgresLogLag, postgresLogSource, rebuildProjection } from './projector.ts';
import { loadCheckpoints, migrateProjections } from './store.ts';

/** A small projection: the last `n` per aggregate, and how many events it applied (equal to the version unless one was applied twice). */
function counter(failOn?: { n: number; times: number }): Projection<string> & { failures: number } {
  const p = {
    name: 'toy',
    topics: ['pocs.events.v1'],
    failures: 0,
    async apply(trx: Kysely<unknown>, events: readonly EventEnvelope[], target: string | null) {
      const table = sql.id('toy', target ?? 'rows');
      for (const e of events) {
        const n = (e.data as { n: number }).n;
        await sql`insert into ${table} (id, version, n, applied) values (${e.aggregateId}, ${e.aggregateVersion}, ${n}, 1)
          on conflict (id) do update set version = excluded.version, n = excluded.n, applied = ${table}.applied + 1
          where ${table}.version < excluded.version`.execute(trx);
        if (failOn && n === failOn.n && p.failures < failOn.times) {
          p.failures += 1;
          throw new Error('crash in the middle of a batch');
        }
      }
    },
    async createTarget(db: Kysely<unknown>) {
      const name = `rows_r${Date.now().toString(36)}`;
      await sql`create table ${sql.id('toy', name)} (id text primary key, version int not null, n int not null, applied int not null)`.execute(db);
      return name;
    },
    async swap(trx: Kysely<unknown>, target: string) {
      await sql`drop table toy.rows`.execute(trx);
      await sql`alter table ${sql.id('toy', target)} rename to rows`.execute(trx);
    },
    async dropTarget(db: Kysely<unknown>, target: string) {
      await sql`drop table if exists ${sql.id('toy', target)}`.execute(db);
    },
  };
  return p;
}

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('projector runtime on the Postgres log', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  let bus: PostgresLogEventBus;
  const tenantId = randomUUID();
  const ctx = { tenantId, actor: 'user:test', correlationId: 'c' };
  const rows = async () =>
    (await sql<{ id: string; version: number; n: number; applied: number }>`select * from toy.rows order by id`.execute(t.db)).rows;
  const append = async (id: string, ns: number[], expected: number | 'no_stream' | 'any') =>
    store.append(`poc-${id}`, expected, ns.map((n) => ({ type: 'poc.touched', schemaVersion: 1, data: { n } })), ctx);

  beforeAll(async () => {
    t = await createTestDatabase('poc_projector');
    await PostgresEventStore.migrate(t.db);
    await migrateProjections(t.db);
    store = new PostgresEventStore(t.db, { url: t.url });
    bus = new PostgresLogEventBus(t.db, store);
  });
  afterAll(async () => {
    await bus.close();
    await store.close();
    await t.drop();
  });

  it('given a crash in the middle of a batch, then neither its rows nor its checkpoint stay, and the retry applies each event once', async () => {
    await sql`create schema toy; create table toy.rows (id text primary key, version int not null, n int not null, applied int not null)`.execute(t.db);
    const a = randomUUID();
    const b = randomUUID();
    await append(a, [1, 2, 3], 'no_stream');
    await append(b, [10, 11], 'no_stream');
    const projection = counter({ n: 10, times: 2 });
    const metrics = new Registry();
    const projector = new Projector({ db: t.db, bus, projection, sourceOf: postgresLogSource, retryDelayMs: 20, metrics, lag: postgresLogLag(t.db, projection) });
    await projector.start();
    await until(async () => (await rows()).length === 2);
    await projector.stop();
    expect(projection.failures).toBe(2);
    // Every event of a batch that crashed twice was applied exactly once in the end.
    expect(await rows()).toEqual(
      [{ id: a, version: 3, n: 3, applied: 3 }, { id: b, version: 2, n: 11, applied: 2 }].sort((x, y) => x.id.localeCompare(y.id)),
    );
    expect(Object.keys(await loadCheckpoints(t.db, 'toy'))).toEqual(['log:0']);
    const text = await metrics.metrics();
    expect(text).toMatch(/projector_events_applied_total\{projection="toy"\} 5/);
    expect(text).toMatch(/projector_batches_total\{projection="toy",outcome="failed"\} 2/);
    expect(text).toMatch(/projector_lag_events\{projection="toy"\} 0/);
  });

  it('given a restart, then it resumes after its checkpoint and a replayed event changes nothing', async () => {
    const c = randomUUID();
    await append(c, [7], 'no_stream');
    const projection = counter();
    const metrics = new Registry();
    const lag = postgresLogLag(t.db, projection);
    expect((await lag()).events).toBe(1);
    const projector = new Projector({ db: t.db, bus, projection, sourceOf: postgresLogSource, metrics });
    await projector.start();
    await until(async () => (await rows()).some((r) => r.id === c));
    await projector.stop();
    expect((await lag()).events).toBe(0);
    expect(await metrics.metrics()).toMatch(/projector_events_applied_total\{projection="toy"\} 1\n/);
    // A delivery that comes again (Kafka's at-least-once) is skipped by version.
    await t.db.transaction().execute((trx) => projection.apply(trx, [{ aggregateId: c, aggregateVersion: 1, data: { n: 99 } } as EventEnvelope], null));
    expect((await rows()).find((r) => r.id === c)).toMatchObject({ n: 7, applied: 1 });
  });

  it('rebuilds from zero into a fresh table while events keep coming, and swaps it in without losing any', async () => {
    const projection = counter();
    const projector = new Projector({ db: t.db, bus, projection, sourceOf: postgresLogSource, maxBatch: 5 });
    await projector.start();
    const ids = Array.from({ length: 20 }, () => randomUUID());
    let writing = true;
    let i = 0;
    const writer = (async () => {
      while (writing) {
        await append(ids[i % ids.length]!, [i], i < ids.length ? 'no_stream' : 'any');
        i += 1;
      }
      return i;
    })();
    // Every stream exists and some have moved on before the rebuild starts (not a fixed sleep: a loaded machine appends slowly).
    await until(async () => i > ids.length);
    const before = await sql<{ t: string }>`select to_regclass('toy.rows')::oid::text as t`.execute(t.db);
    const result = await rebuildProjection({ db: t.db, store, projection, batchSize: 7 });
    writing = false;
    const written = await writer;
    expect(written).toBeGreaterThan(ids.length);
    const after = await sql<{ t: string }>`select to_regclass('toy.rows')::oid::text as t`.execute(t.db);
    expect(after.rows[0]!.t).not.toBe(before.rows[0]!.t);
    expect(result.events).toBeGreaterThan(0);
    // The live projector goes on in the swapped table until every stream is at its last version, applied once each.
    const streams = async () =>
      (await sql<{ id: string; version: number }>`select substr(stream_id, 5) as id, max(version) as version from eventstore.events group by stream_id order by 1`.execute(t.db)).rows;
    await until(async () => JSON.stringify((await rows()).map((r) => ({ id: r.id, version: r.version }))) === JSON.stringify(await streams()));
    await projector.stop();
    expect((await rows()).every((r) => r.applied === r.version)).toBe(true);
  });

  it("given a one-tenant rebuild on the log, then the live checkpoint stays: other tenants' events after it are still projected", async () => {
    const projection = counter();
    const other = randomUUID();
    const [x, y] = [randomUUID(), randomUUID()];
    const before = (await loadCheckpoints(t.db, 'toy'))['log:0'];
    expect(before).toBeDefined();
    // The live projector is stopped (or behind): another tenant's event, then one of the rebuilt tenant.
    await store.append(`poc-${x}`, 'no_stream', [{ type: 'poc.touched', schemaVersion: 1, data: { n: 5 } }], { ...ctx, tenantId: other });
    await append(y, [6], 'no_stream');
    await rebuildProjection({ db: t.db, store, projection, scope: { tenantId }, logSource: 'log:0' });
    expect((await loadCheckpoints(t.db, 'toy'))['log:0']).toBe(before);
    const projector = new Projector({ db: t.db, bus, projection, sourceOf: postgresLogSource });
    await projector.start();
    await until(async () => (await rows()).some((r) => r.id === x));
    await projector.stop();
    expect((await rows()).find((r) => r.id === y)).toMatchObject({ n: 6, applied: 1 });
  });
});
