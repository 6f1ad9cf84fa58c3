/**
 * A small key-value cache with expiry, counters and pub/sub: rate-limit and
 * lockout counters, idempotency answers, dojo fan-out between processes.
 * Embedded: in process (`memory-cache.ts`). Production: Redis
 * (`redis-cache.ts`, ElastiCache). Both pass `testCachePort`.
 *
 * Keys and channels follow `assertCacheKey`; every adapter rejects others.
 * Code acting for a tenant reaches the cache through `tenantCache(cache,
 * tenantId)`, which confines its keys and channels to that tenant.
 *
 * @example
 * await cache.set('idem:t1:abc', JSON.stringify(answer), 86_400);
 * const n = await cache.incr('fail:t1:ana@x', 3600);
 * const unsub = await cache.subscribe('dojo:room-1', (msg) => apply(msg));
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  /** Set with a time to live in seconds. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Set only if absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Add 1 and return the new value; the TTL is set when the key is created. */
  incr(key: string, ttlSeconds: number): Promise<number>;
  /** Seconds until `key` expires; null when absent or without expiry. */
  ttl(key: string): Promise<number | null>;
  publish(channel: string, message: Buffer): Promise<void>;
  /** Receive messages published on `channel` by any process (including this one). */
  subscribe(channel: string, handler: (message: Buffer) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const CACHE_KEY = /^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,511}$/;

/**
 * Throws unless `key` is a cache key or channel: 1-512 characters of
 * letters, digits and `._:@+=-`, starting with a letter or digit, and no
 * `..` (so no key looks like a path that climbs out of a prefix).
 */
export function assertCacheKey(key: string): void {
  if (!CACHE_KEY.test(key) || key.includes('..')) throw new Error(`invalid cache key: ${JSON.stringify(key)}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The cache as one tenant sees it: every key and channel is stored under
 * `t:<tenantId>:`, so no key another tenant passes can name it.
 *
 * @example
 * const cache = tenantCache(shared, principal.tenantId);
 * await cache.set('draft:poc-1', body, 600);
 */
export function tenantCache(cache: Cache, tenantId: string): Cache {
  if (!UUID.test(tenantId)) throw new Error(`invalid tenant id for a cache key: ${tenantId}`);
  const prefix = `t:${tenantId.toLowerCase()}:`;
  const scoped = (key: string): string => {
    assertCacheKey(key);
    return prefix + key;
  };
  return {
    get: async (key) => cache.get(scoped(key)),
    set: async (key, value, ttl) => cache.set(scoped(key), value, ttl),
    setIfAbsent: async (key, value, ttl) => cache.setIfAbsent(scoped(key), value, ttl),
    delete: async (key) => cache.delete(scoped(key)),
    incr: async (key, ttl) => cache.incr(scoped(key), ttl),
    ttl: async (key) => cache.ttl(scoped(key)),
    publish: async (channel, message) => cache.publish(scoped(channel), message),
    subscribe: async (channel, handler) => cache.subscribe(scoped(channel), handler),
    ping: async () => cache.ping(),
    // The shared cache belongs to whoever made it.
    close: async () => {},
  };
}
