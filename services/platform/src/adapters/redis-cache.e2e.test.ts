import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { testCachePort } from '../testing/cache-contract.ts';
import { describeWithEngines } from '../testing/engines/index.ts';
import { RedisCache } from './redis-cache.ts';

describeWithEngines(['redis'], 'Redis cache', ({ redis }) => {
  // A namespace per run: the Redis on this machine may be shared.
  const namespace = `poc-test-${randomUUID()}:`;
  testCachePort('redis', async () => {
    const cache = await RedisCache.connect(redis.url, { namespace });
    const others: RedisCache[] = [];
    return {
      cache,
      other: async () => {
        const other = await RedisCache.connect(redis.url, { namespace });
        others.push(other);
        return other;
      },
      teardown: async () => {
        await Promise.all([cache, ...others].map((c) => c.close()));
      },
    };
  });

  it('two namespaces on one Redis do not see each other', async () => {
    const a = await RedisCache.connect(redis.url, { namespace: `poc-test-${randomUUID()}:` });
    const b = await RedisCache.connect(redis.url, { namespace: `poc-test-${randomUUID()}:` });
    await a.set('k', 'a', 30);
    expect(await b.get('k')).toBeNull();
    await Promise.all([a.close(), b.close()]);
  });
});
