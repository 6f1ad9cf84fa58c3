import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type EventEnvelope, KafkaEventBus, type NewEvent, PostgresEventStore, PostgresSearch } from '@poc/platform';
import { type TestDatabase, describeWithEngines } from '@poc/platform/testing';
import type { Projection } from '../runtime/projection.ts';
import { Projector, rebuildProjection } from '../runtime/projector.ts';
import { loadCheckpoints } from '../runtime/store.ts';
import { type PocRebuildTarget, pocProjection } from './projection.ts';
import { pocReadModelChecksum } from './read-model.ts';
import { createProjectionsTestDatabase } from '../testing/database.ts';

const created = (name: string): NewEvent => ({
  type: 'poc.created',
  schemaVersion: 2,
  data: { name, description: '', languages: ['go'], tags: [], repoUrl: null, status: 'idea', startedAt: null, finishedAt: null },
});

async function until(check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeWithEngines(['kafka'], 'POC projection consuming Kafka', ({ kafka }) => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  let search: PostgresSearch;
  const tenants: string[] = [randomUUID(), randomUUID()];
  // Its own name (consumer group, checkpoints), and only this test's tenants: the topic is shared with other suites.
  const projection = (): Projection<PocRebuildTarget> => {
    const base = pocProjection({ db: t.db, search, store });
    return { ...base, name: `pocs-kafka-${tenants[0]!.slice(0, 8)}`, apply: (trx, events, target) => base.apply(trx, events.filter((e) => tenants.includes(e.tenantId)), target) };
  };
  const publishWith = async (events: readonly EventEnvelope[]) => {
    const bus = await KafkaEventBus.connect({ brokers: [kafka.url], clientId: `publisher-${randomUUID()}` });
    await bus.publish(events);
    await bus.close();
  };
  const rowsAt = async (tenantId: string) => (await pocReadModelChecksum(t.db, tenantId).catch(() => ({ rows: 0 }))).rows;

  beforeAll(async () => {
    t = await createProjectionsTestDatabase('poc_kafka_projection');
    store = new PostgresEventStore(t.db, { url: t.url });
    search = new PostgresSearch(t.db);
  });
  afterAll(async () => {
    await store.close();
    await t.drop();
  });

  it('projects from Kafka with offsets checkpointed in the read model, resumes there, and skips redeliveries', async () => {
    const append = async (tenantId: string, n: number) => {
      const out: EventEnvelope[] = [];
      for (let i = 0; i < n; i++) {
        const id = randomUUID();
        const ctx = { tenantId, actor: 'user:u', correlationId: 'k' };
        out.push(...(await store.append(`poc-${id}`, 'no_stream', [created(`Kafka ${i}`)], ctx)).events);
        out.push(...(await store.append(`poc-${id}`, 1, [{ type: 'poc.tagged', schemaVersion: 1, data: { tags: ['kafka'] } }], ctx)).events);
      }
      return out;
    };
    const first = [...(await append(tenants[0]!, 20)), ...(await append(tenants[1]!, 10))];
    await publishWith(first);

    const p = projection();
    let bus = await KafkaEventBus.connect({ brokers: [kafka.url], clientId: `projector-${randomUUID()}` });
    let projector = new Projector({ db: t.db, bus, projection: p, retryDelayMs: 100 });
    await projector.start();
    await until(async () => (await rowsAt(tenants[0]!)) === 20 && (await rowsAt(tenants[1]!)) === 10);
    await projector.stop();
    await bus.close();
    const checkpoints = await loadCheckpoints(t.db, p.name);
    expect(Object.keys(checkpoints).every((k) => /^pocs\.events\.v1:\d+$/.test(k))).toBe(true);

    // While it is down: new events, and old ones published again (at-least-once delivery).
    const second = await append(tenants[0]!, 5);
    await publishWith([...first.slice(0, 10), ...second]);
    bus = await KafkaEventBus.connect({ brokers: [kafka.url], clientId: `projector-${randomUUID()}` });
    projector = new Projector({ db: t.db, bus, projection: p, retryDelayMs: 100 });
    await projector.start();
    await until(async () => (await rowsAt(tenants[0]!)) === 25);
    await new Promise((r) => setTimeout(r, 1_000));
    await projector.stop();
    await bus.close();

    // The same read model a rebuild from the event store gives.
    for (const tenantId of tenants) {
      const rebuilt = await rebuildProjection({ db: t.db, store, projection: p, scope: { tenantId }, swap: false });
      expect(await pocReadModelChecksum(t.db, tenantId)).toEqual(await pocReadModelChecksum(t.db, tenantId, rebuilt.target.tenants.get(tenantId)!.table));
      await p.dropTarget(t.db, rebuilt.target);
    }
    expect((await search.search(tenants[0]!, { q: 'kafka', limit: 1 })).total).toBe(25);
  }, 180_000);
});
