import { describe, expect, it } from 'vitest';
import { testCachePort } from '../testing/cache-contract.ts';
import { MemoryCache } from './memory-cache.ts';

testCachePort('in process', async () => {
  const cache = new MemoryCache();
  return { cache, other: async () => cache, teardown: () => cache.close() };
});

describe('MemoryCache', () => {
  it('expires by its clock, not by a timer', async () => {
    let now = 1_000_000;
    const cache = new MemoryCache({ now: () => now });
    await cache.set('k', 'v', 10);
    now += 9_999;
    expect(await cache.get('k')).toBe('v');
    now += 1;
    expect(await cache.get('k')).toBeNull();
    await cache.close();
  });

  it('a subscriber that throws does not stop the others', async () => {
    const errors: unknown[] = [];
    const cache = new MemoryCache({ onHandlerError: (e) => errors.push(e) });
    const got: string[] = [];
    await cache.subscribe('c', () => {
      throw new Error('boom');
    });
    await cache.subscribe('c', (m) => got.push(m.toString()));
    await cache.publish('c', Buffer.from('x'));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['x']);
    expect(errors).toHaveLength(1);
    await cache.close();
  });
});
