import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, EventBus } from '../ports/event-bus.ts';
import { makeEnvelopes } from './envelopes.ts';

export { makeEnvelopes };

export interface EventBusFixture {
  bus: EventBus;
  /** A second bus instance on the same engine (another process, after a restart). */
  reopen(): Promise<EventBus>;
  teardown(): Promise<void>;
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for deliveries');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The contract every EventBus adapter passes. */
export function testEventBusPort(name: string, factory: () => Promise<EventBusFixture>, options: { timeoutMs?: number } = {}): void {
  const timeoutMs = options.timeoutMs ?? 20_000;
  // Each test may wait up to timeoutMs for deliveries, so it is given that and some more to set up and close.
  describe(`EventBus contract: ${name}`, { timeout: timeoutMs + 15_000 }, () => {
    let fixture: EventBusFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('delivers every published event to a group, in order per aggregate', async () => {
      const type = `poc.created`;
      const events = makeEnvelopes(60, 6, type);
      const got: Delivery[] = [];
      const sub = await fixture.bus.subscribe({
        group: `g-${randomUUID()}`,
        topics: ['pocs.events.v1'],
        handle: async (batch) => {
          got.push(...batch.filter((d) => d.event.tenantId === events[0]!.tenantId));
        },
      });
      await fixture.bus.publish(events);
      await until(() => got.length >= events.length, timeoutMs);
      await sub.close();
      expect(new Set(got.map((d) => d.event.id))).toEqual(new Set(events.map((e) => e.id)));
      for (const aggregate of new Set(events.map((e) => e.aggregateId))) {
        const versions = got.filter((d) => d.event.aggregateId === aggregate).map((d) => d.event.aggregateVersion);
        expect(versions).toEqual([...versions].sort((a, b) => a - b));
      }
      expect(got[0]!.topic).toBe('pocs.events.v1');
    });

    it('each group gets its own copy; other topics are not delivered', async () => {
      const events = makeEnvelopes(10, 2, 'dojo.scheduled');
      const a: Delivery[] = [];
      const b: Delivery[] = [];
      const other: Delivery[] = [];
      const tenant = events[0]!.tenantId;
      const subs = await Promise.all([
        fixture.bus.subscribe({ group: `a-${randomUUID()}`, topics: ['dojos.events.v1'], handle: async (x) => { a.push(...x.filter((d) => d.event.tenantId === tenant)); } }),
        fixture.bus.subscribe({ group: `b-${randomUUID()}`, topics: ['dojos.events.v1'], handle: async (x) => { b.push(...x.filter((d) => d.event.tenantId === tenant)); } }),
        fixture.bus.subscribe({ group: `o-${randomUUID()}`, topics: ['videos.events.v1'], handle: async (x) => { other.push(...x.filter((d) => d.event.tenantId === tenant)); } }),
      ]);
      await fixture.bus.publish(events);
      await until(() => a.length >= 10 && b.length >= 10, timeoutMs);
      await new Promise((r) => setTimeout(r, 300));
      await Promise.all(subs.map((s) => s.close()));
      expect(a).toHaveLength(10);
      expect(b).toHaveLength(10);
      expect(other).toHaveLength(0);
    });

    it('a failing handler gets the batch again: nothing is lost', async () => {
      const events = makeEnvelopes(5, 1);
      const tenant = events[0]!.tenantId;
      let failures = 0;
      const got: string[] = [];
      const sub = await fixture.bus.subscribe({
        group: `f-${randomUUID()}`,
        topics: ['pocs.events.v1'],
        retryDelayMs: 50,
        handle: async (batch) => {
          const mine = batch.filter((d) => d.event.tenantId === tenant);
          if (mine.length > 0 && failures < 2) {
            failures += 1;
            throw new Error('transient');
          }
          got.push(...mine.map((d) => d.event.id));
        },
      });
      await fixture.bus.publish(events);
      await until(() => new Set(got).size >= 5, timeoutMs);
      await sub.close();
      expect(failures).toBe(2);
      expect(new Set(got)).toEqual(new Set(events.map((e) => e.id)));
    });

    it('a group that restarts resumes after what it acknowledged', async () => {
      const group = `r-${randomUUID()}`;
      const first = makeEnvelopes(5, 1);
      const tenant = first[0]!.tenantId;
      const second = makeEnvelopes(5, 1, 'poc.created', tenant);
      const seen: string[] = [];
      const handle = async (batch: readonly Delivery[]) => {
        seen.push(...batch.filter((d) => d.event.tenantId === tenant).map((d) => d.event.id));
      };
      const sub = await fixture.bus.subscribe({ group, topics: ['pocs.events.v1'], handle });
      await fixture.bus.publish(first);
      await until(() => seen.length >= 5, timeoutMs);
      await sub.close();
      const bus2 = await fixture.reopen();
      await bus2.publish(second);
      const sub2 = await bus2.subscribe({ group, topics: ['pocs.events.v1'], handle });
      await until(() => seen.length >= 10, timeoutMs);
      await new Promise((r) => setTimeout(r, 300));
      await sub2.close();
      expect(seen.slice(0, 5)).toEqual(first.map((e) => e.id));
      expect(seen.slice(5)).toEqual(second.map((e) => e.id));
      if (bus2 !== fixture.bus) await bus2.close();
    });

    it('a message that keeps failing is dead-lettered and the rest still flows', async () => {
      const events = makeEnvelopes(3, 3);
      const tenant = events[0]!.tenantId;
      const poison = events[0]!.id;
      const got: string[] = [];
      const sub = await fixture.bus.subscribe({
        group: `d-${randomUUID()}`,
        topics: ['pocs.events.v1'],
        retryDelayMs: 20,
        maxAttempts: 3,
        maxBatch: 1,
        handle: async (batch) => {
          for (const d of batch) {
            if (d.event.tenantId !== tenant) continue;
            if (d.event.id === poison) throw new Error('poison');
            got.push(d.event.id);
          }
        },
      });
      await fixture.bus.publish(events);
      await until(() => got.length >= 2, timeoutMs);
      await sub.close();
      expect(new Set(got)).toEqual(new Set([events[1]!.id, events[2]!.id]));
    });
  });
}
