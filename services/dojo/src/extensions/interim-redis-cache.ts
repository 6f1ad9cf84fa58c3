import { Redis } from 'ioredis';
import type { Cache } from '@poc/platform';

/**
 * INTERIM: a Redis `Cache` for the dojo until the platform's `redis-cache.ts`
 * (being written with the other engine adapters) lands; then this file goes
 * and `server.ts` takes the platform's. Only what the `Cache` port promises.
 */
export async function createInterimRedisCache(url: string): Promise<Cache> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const subscriber = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await Promise.all([client.connect(), subscriber.connect()]);
  const handlers = new Map<string, Set<(message: Buffer) => void>>();
  subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
    for (const h of handlers.get(channel.toString()) ?? []) h(message);
  });
  return {
    get: (key) => client.get(key),
    set: async (key, value, ttl) => {
      await client.set(key, value, 'EX', ttl);
    },
    setIfAbsent: async (key, value, ttl) => (await client.set(key, value, 'EX', ttl, 'NX')) === 'OK',
    delete: async (key) => {
      await client.del(key);
    },
    incr: async (key, ttl) => {
      const [[, n] = []] = (await client.multi().incr(key).expire(key, ttl, 'NX').exec()) ?? [];
      return Number(n);
    },
    ttl: async (key) => {
      const t = await client.ttl(key);
      return t < 0 ? null : t;
    },
    publish: async (channel, message) => {
      await client.publish(channel, message);
    },
    subscribe: async (channel, handler) => {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await subscriber.subscribe(channel);
      }
      set.add(handler);
      return async () => {
        const current = handlers.get(channel);
        current?.delete(handler);
        if (current && current.size === 0) {
          handlers.delete(channel);
          await subscriber.unsubscribe(channel);
        }
      };
    },
    ping: async () => {
      await client.ping();
    },
    close: async () => {
      await Promise.all([client.quit(), subscriber.quit()]).catch(() => undefined);
    },
  };
}
