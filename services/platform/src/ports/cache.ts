/**
 * A small key-value cache with expiry, counters and pub/sub: rate-limit and
 * lockout counters, idempotency answers, dojo fan-out between processes.
 * Embedded: in process (`memory-cache.ts`). Production: Redis
 * (`redis-cache.ts`, ElastiCache). Both pass `testCachePort`.
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
