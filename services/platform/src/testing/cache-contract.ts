import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cache, tenantCache } from '../ports/cache.ts';

export interface CacheFixture {
  cache: Cache;
  /** The same cache as another process sees it (a second connection); the same instance when in process. */
  other(): Promise<Cache>;
  teardown(): Promise<void>;
}

async function until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The contract every Cache adapter passes. */
export function testCachePort(name: string, factory: () => Promise<CacheFixture>): void {
  describe(`Cache contract: ${name}`, () => {
    let fixture: CacheFixture;
    let cache: Cache;
    const k = (suffix: string) => `test:${randomUUID()}:${suffix}`;
    beforeAll(async () => {
      fixture = await factory();
      cache = fixture.cache;
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('sets, gets and deletes', async () => {
      const key = k('a');
      expect(await cache.get(key)).toBeNull();
      await cache.set(key, 'v1', 60);
      expect(await cache.get(key)).toBe('v1');
      await cache.set(key, 'v2', 60);
      expect(await cache.get(key)).toBe('v2');
      await cache.delete(key);
      expect(await cache.get(key)).toBeNull();
    });

    it('forgets a key when its time to live runs out', async () => {
      const key = k('ttl');
      await cache.set(key, 'short', 1);
      const ttl = await cache.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 1_300));
      expect(await cache.get(key)).toBeNull();
      expect(await cache.ttl(key)).toBeNull();
    });

    it('setIfAbsent sets once; exactly one of many racers wins', async () => {
      const key = k('once');
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => cache.setIfAbsent(key, `w${i}`, 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await cache.get(key)).toBe(`w${winner}`);
      await cache.delete(key);
      expect(await cache.setIfAbsent(key, 'again', 60)).toBe(true);
    });

    it('incr counts from 1 and keeps the TTL set at creation', async () => {
      const key = k('n');
      const values = await Promise.all(Array.from({ length: 20 }, () => cache.incr(key, 30)));
      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const ttl = await cache.ttl(key);
      expect(ttl).toBeGreaterThan(25);
      expect(ttl).toBeLessThanOrEqual(30);
      expect(await cache.get(key)).toBe('20');
    });

    it('pub/sub delivers binary messages, in order, to every subscriber in every process', async () => {
      const channel = k('room');
      const other = await fixture.other();
      const here: Buffer[] = [];
      const there: Buffer[] = [];
      const un1 = await cache.subscribe(channel, (m) => here.push(m));
      const un2 = await other.subscribe(channel, (m) => there.push(m));
      const messages = [Buffer.from([0, 255, 1, 254]), Buffer.from('héllo'), Buffer.alloc(0), Buffer.from([0xc3])];
      for (const m of messages) await other.publish(channel, m);
      await until(() => here.length === messages.length && there.length === messages.length);
      expect(here).toEqual(messages);
      expect(there).toEqual(messages);
      await un1();
      await cache.publish(channel, Buffer.from('after'));
      await until(() => there.length === messages.length + 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(here).toHaveLength(messages.length);
      await un2();
    });

    it('a channel only hears its own messages', async () => {
      const a = k('ch-a');
      const b = k('ch-b');
      const got: string[] = [];
      const un = await cache.subscribe(a, (m) => got.push(m.toString()));
      await cache.publish(b, Buffer.from('for b'));
      await cache.publish(a, Buffer.from('for a'));
      await until(() => got.length >= 1);
      await new Promise((r) => setTimeout(r, 100));
      await un();
      expect(got).toEqual(['for a']);
    });

    it("tenant B's calls can never read or hear tenant A's keys", async () => {
      const a = tenantCache(cache, randomUUID());
      const tenantB = randomUUID();
      const b = tenantCache(cache, tenantB);
      await a.set('draft', 'A only', 60);
      expect(await b.get('draft')).toBeNull();
      expect(await b.setIfAbsent('draft', 'B', 60)).toBe(true);
      expect(await a.get('draft')).toBe('A only');
      await b.delete('draft');
      expect(await a.get('draft')).toBe('A only');
      const heardByB: string[] = [];
      const un = await b.subscribe('room', (m) => heardByB.push(m.toString()));
      await a.publish('room', Buffer.from('A'));
      await b.publish('room', Buffer.from('B'));
      await until(() => heardByB.length >= 1);
      await new Promise((r) => setTimeout(r, 100));
      await un();
      expect(heardByB).toEqual(['B']);
      // A key that tries to climb into another tenant's space is refused before it reaches the engine.
      await expect(b.get(`../${tenantB}:draft`)).rejects.toThrow(/invalid cache key/);
      expect(() => tenantCache(cache, '../x')).toThrow(/invalid tenant id/);
    });

    it('refuses keys like ../x, empty keys and keys with spaces', async () => {
      for (const key of ['../x', '', ' a', 'a b', 'a\nb', 'a..b', '*', 'x'.repeat(600)]) {
        await expect(cache.get(key), key).rejects.toThrow(/invalid cache key/);
        await expect(cache.set(key, 'v', 10), key).rejects.toThrow(/invalid cache key/);
        await expect(cache.incr(key, 10), key).rejects.toThrow(/invalid cache key/);
        await expect(cache.publish(key, Buffer.from('x')), key).rejects.toThrow(/invalid cache key/);
      }
    });

    it('answers ping', async () => {
      await cache.ping();
    });
  });
}
