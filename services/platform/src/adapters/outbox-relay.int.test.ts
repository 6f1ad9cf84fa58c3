import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { EventEnvelope } from '../ports/events.ts';
import { PostgresEventStore } from './postgres-event-store.ts';
import { OutboxRelay } from './outbox-relay.ts';

/** A bus that records what it was given and can be made to refuse, like a broker that is down. */
class RecordingBus implements EventBus {
  readonly published: EventEnvelope[] = [];
  down = false;
  delayMs = 0;
  async publish(events: readonly EventEnvelope[]): Promise<void> {
    if (this.down) throw new Error('broker unreachable');
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    this.published.push(...events);
  }
  async subscribe(): Promise<never> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('OutboxRelay (PostgreSQL outbox, recording bus)', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  beforeAll(async () => {
    t = await createTestDatabase('poc_outbox');
    await PostgresEventStore.migrate(t.db);
    store = new PostgresEventStore(t.db, { url: t.url });
  });
  afterAll(async () => {
    await store.close();
    await t.drop();
  });

  const append = async (tenant: string, aggregates: string[], rounds: number) => {
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        aggregates.map((a) =>
          store.append(`poc-${a}`, round === 0 ? 'no_stream' : round, [{ type: 'poc.updated', schemaVersion: 1, data: { round } }], {
            tenantId: tenant,
            actor: 'user:test',
            correlationId: randomUUID(),
          }),
        ),
      );
    }
  };

  it('keeps events while the bus refuses them and publishes them, in order, once it accepts again', async () => {
    const bus = new RecordingBus();
    bus.down = true;
    const relay = new OutboxRelay({ db: t.db, bus, store, backoffMs: 20, maxBackoffMs: 100, batchSize: 50 });
    relay.start();
    const tenant = randomUUID();
    const aggregates = Array.from({ length: 10 }, () => randomUUID());
    await append(tenant, aggregates, 10);
    await new Promise((r) => setTimeout(r, 300));
    expect(await relay.pending()).toBe(100);
    bus.down = false;
    await until(async () => (await relay.pending()) === 0);
    await relay.stop();
    const mine = bus.published.filter((e) => e.tenantId === tenant);
    expect(mine).toHaveLength(100);
    for (const a of aggregates) {
      expect(mine.filter((e) => e.aggregateId === a).map((e) => e.aggregateVersion)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    }
  });

  it('three relays at once publish every event exactly once', async () => {
    const bus = new RecordingBus();
    bus.delayMs = 5;
    const relays = Array.from({ length: 3 }, () => new OutboxRelay({ db: t.db, bus, store, batchSize: 7, pollMs: 50 }));
    const tenant = randomUUID();
    const aggregates = Array.from({ length: 8 }, () => randomUUID());
    relays.forEach((r) => r.start());
    await append(tenant, aggregates, 12);
    await until(async () => (await relays[0]!.pending()) === 0);
    await Promise.all(relays.map((r) => r.stop()));
    const mine = bus.published.filter((e) => e.tenantId === tenant);
    expect(mine).toHaveLength(96);
    expect(new Set(mine.map((e) => e.id)).size).toBe(96);
    for (const a of aggregates) {
      expect(mine.filter((e) => e.aggregateId === a).map((e) => e.aggregateVersion)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    }
  });

  it('prunes published rows past retention, never pending ones', async () => {
    const bus = new RecordingBus();
    const tenant = randomUUID();
    await append(tenant, [randomUUID()], 2);
    const relay = new OutboxRelay({ db: t.db, bus, retainPublishedMs: 1 });
    while ((await relay.relayOnce()).published > 0);
    bus.down = true;
    await append(tenant, [randomUUID()], 1);
    await new Promise((r) => setTimeout(r, 10));
    expect(await relay.prunePublished()).toBeGreaterThanOrEqual(2);
    const rows = await sql<{ published: boolean }>`
      select published_at is not null as published from eventstore.outbox where tenant_id = ${tenant}`.execute(t.db);
    expect(rows.rows).toEqual([{ published: false }]);
  });
});
