import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../errors.ts';
import type { AppendContext } from '../ports/events.ts';
import type { EventStore } from '../ports/event-store.ts';
import { compareCursors } from '../ports/event-store.ts';

export interface EventStoreFixture {
  store: EventStore;
  teardown(): Promise<void>;
}

const ctx = (tenantId: string): AppendContext => ({ tenantId, actor: 'user:test', correlationId: randomUUID() });
const ev = (n: number) => ({ type: 'poc.created', schemaVersion: 1, data: { n } });

/** The contract every EventStore adapter passes. */
export function testEventStorePort(name: string, factory: () => Promise<EventStoreFixture>): void {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('given an empty stream, when appending with no_stream, then the events are stored with versions 1..n', async () => {
      const tenant = randomUUID();
      const stream = `poc-${randomUUID()}`;
      const result = await fixture.store.append(stream, 'no_stream', [ev(1), ev(2)], ctx(tenant));
      expect(result.version).toBe(2);
      const read = await fixture.store.readStream(tenant, stream);
      expect(read.map((e) => [e.aggregateVersion, (e.data as { n: number }).n])).toEqual([[1, 1], [2, 2]]);
      expect(read[0]!.aggregateId).toBe(stream.slice(4));
      expect(read[0]!.tenantId).toBe(tenant);
      expect(read[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('when the expected version is stale, then the append is refused and nothing is written', async () => {
      const tenant = randomUUID();
      const stream = `poc-${randomUUID()}`;
      await fixture.store.append(stream, 'no_stream', [ev(1)], ctx(tenant));
      await expect(fixture.store.append(stream, 'no_stream', [ev(2)], ctx(tenant))).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(fixture.store.append(stream, 5, [ev(2)], ctx(tenant))).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await fixture.store.readStream(tenant, stream)).toHaveLength(1);
    });

    it('when two appends race with the same expected version, then exactly one wins', async () => {
      const tenant = randomUUID();
      const stream = `poc-${randomUUID()}`;
      await fixture.store.append(stream, 'no_stream', [ev(1)], ctx(tenant));
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => fixture.store.append(stream, 1, [ev(i + 10)], ctx(tenant))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected.every((r) => r.reason instanceof ConcurrencyError)).toBe(true);
      expect(await fixture.store.readStream(tenant, stream)).toHaveLength(2);
    });

    it("another tenant's stream reads as empty", async () => {
      const a = randomUUID();
      const stream = `poc-${randomUUID()}`;
      await fixture.store.append(stream, 'no_stream', [ev(1)], ctx(a));
      expect(await fixture.store.readStream(randomUUID(), stream)).toEqual([]);
    });

    it('readAll returns every committed event once, in a stable order, resumable from any cursor', async () => {
      const tenant = randomUUID();
      const streams = Array.from({ length: 5 }, () => `poc-${randomUUID()}`);
      await Promise.all(
        streams.map(async (s) => {
          await fixture.store.append(s, 'no_stream', [ev(1)], ctx(tenant));
          await fixture.store.append(s, 1, [ev(2), ev(3)], ctx(tenant));
        }),
      );
      const all = await fixture.store.readAll(null, { tenantId: tenant, limit: 1000 });
      expect(all).toHaveLength(15);
      for (let i = 1; i < all.length; i++) expect(compareCursors(all[i - 1]!.cursor, all[i]!.cursor)).toBeLessThan(0);
      for (const s of streams) {
        expect(all.filter((e) => e.streamId === s).map((e) => e.aggregateVersion)).toEqual([1, 2, 3]);
      }
      const rest = await fixture.store.readAll(all[6]!.cursor, { tenantId: tenant, limit: 1000 });
      expect(rest.map((e) => e.id)).toEqual(all.slice(7).map((e) => e.id));
      const paged: string[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page = await fixture.store.readAll(cursor, { tenantId: tenant, limit: 4 });
        if (page.length === 0) break;
        paged.push(...page.map((e) => e.id));
        cursor = page[page.length - 1]!.cursor;
      }
      expect(paged).toEqual(all.map((e) => e.id));
    });

    it('readAll with until leaves out what happened later', async () => {
      const tenant = randomUUID();
      await fixture.store.append(`poc-${randomUUID()}`, 'no_stream', [ev(1)], ctx(tenant));
      const between = new Date();
      await new Promise((r) => setTimeout(r, 20));
      await fixture.store.append(`poc-${randomUUID()}`, 'no_stream', [ev(2)], ctx(tenant));
      const past = await fixture.store.readAll(null, { tenantId: tenant, until: between });
      expect(past.map((e) => (e.data as { n: number }).n)).toEqual([1]);
    });

    it("readHistory hands over one tenant's events in append order, in batches, up to an instant, with the cursor that continues them", async () => {
      const tenant = randomUUID();
      const other = randomUUID();
      const streams = Array.from({ length: 3 }, () => `poc-${randomUUID()}`);
      for (const s of streams) await fixture.store.append(s, 'no_stream', [ev(1), ev(2)], ctx(tenant));
      await fixture.store.append(`poc-${randomUUID()}`, 'no_stream', [ev(99)], ctx(other));
      for (const s of streams) await fixture.store.append(s, 2, [ev(3)], ctx(tenant));
      const between = new Date();
      await new Promise((r) => setTimeout(r, 20));
      await fixture.store.append(streams[0]!, 3, [ev(4)], ctx(tenant));

      const stored = await fixture.store.readAll(null, { tenantId: tenant, limit: 1000 });
      const batches: number[] = [];
      const seen: unknown[] = [];
      const whole = await fixture.store.readHistory(tenant, { batchSize: 4 }, async (batch) => {
        batches.push(batch.length);
        await new Promise((r) => setTimeout(r, 1));
        seen.push(...batch);
      });
      expect(whole.events).toBe(10);
      expect(batches).toEqual([4, 4, 2]);
      // What a fold reads, as the store holds it; every stream in version order.
      expect(seen).toEqual(
        stored.map((e) => ({ type: e.type, schemaVersion: e.schemaVersion, tenantId: tenant, aggregateId: e.aggregateId, aggregateVersion: e.aggregateVersion, occurredAt: e.occurredAt, actor: e.actor, data: e.data })),
      );

      const past: { aggregateId: string; aggregateVersion: number }[] = [];
      const until = await fixture.store.readHistory(tenant, { until: between }, (batch) => void past.push(...batch));
      expect(until.events).toBe(9);
      for (const s of streams) expect(past.filter((e) => `poc-${e.aggregateId}` === s).map((e) => e.aggregateVersion)).toEqual([1, 2, 3]);

      // The cursor continues the history in the global log: what was appended since, and nothing read twice.
      await fixture.store.append(streams[1]!, 3, [ev(5)], ctx(tenant));
      const after = await fixture.store.readAll(whole.cursor, { tenantId: tenant, limit: 1000 });
      expect(after.map((e) => [e.streamId, e.aggregateVersion])).toEqual([[streams[1], 4]]);
      expect(await fixture.store.readHistory(randomUUID(), {}, () => undefined)).toMatchObject({ events: 0 });
    });

    it('waitForEvents wakes up when something is appended', async () => {
      const tenant = randomUUID();
      const started = Date.now();
      const waiting = fixture.store.waitForEvents(5_000);
      await new Promise((r) => setTimeout(r, 100));
      await fixture.store.append(`poc-${randomUUID()}`, 'no_stream', [ev(1)], ctx(tenant));
      await waiting;
      expect(Date.now() - started).toBeLessThan(4_000);
    });
  });
}
