import type { Redis, RedisOptions } from 'ioredis';
import { type Cache, assertCacheKey } from '../ports/cache.ts';

/** The ioredis connection methods the cache uses (commands). */
export type RedisCommandClient = Pick<Redis, 'get' | 'set' | 'del' | 'eval' | 'ttl' | 'publish' | 'ping' | 'quit'>;
/** A second connection in subscriber mode (Redis allows nothing else on it). */
export type RedisSubscriberClient = Pick<Redis, 'subscribe' | 'unsubscribe' | 'on' | 'quit'>;

export interface RedisCacheOptions {
  /**
   * Prepended to every key and channel, so several deployments (or test
   * files) can share one Redis. Must itself be a valid cache key prefix.
   */
  readonly namespace?: string;
  readonly onHandlerError?: (error: unknown, channel: string) => void;
}

// INCR and set the TTL only when the key was just created, atomically (EXPIRE NX needs Redis 7; ElastiCache may be 6).
const INCR_WITH_TTL = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * The cache on Redis (ElastiCache in production) with ioredis: one command
 * connection and one subscriber connection. Pub/sub reaches every process
 * subscribed to the channel; ioredis reconnects and re-subscribes by itself.
 * ioredis is loaded only by `RedisCache.connect`.
 *
 * @example
 * const cache = await RedisCache.connect(env.REDIS_URL);
 * const unsubscribe = await cache.subscribe('dojo:room-1', (update) => room.apply(update));
 */
export class RedisCache implements Cache {
  private readonly namespace: string;
  private readonly handlers = new Map<string, Set<(message: Buffer) => void>>();
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(
    private readonly commands: RedisCommandClient,
    private readonly subscriber: RedisSubscriberClient,
    private readonly options: RedisCacheOptions = {},
  ) {
    this.namespace = options.namespace ?? '';
    if (this.namespace) assertCacheKey(this.namespace.replace(/:$/, ''));
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString('utf8'), message));
  }

  static async connect(url: string, options: RedisCacheOptions & { redis?: RedisOptions } = {}): Promise<RedisCache> {
    const { Redis } = await import('ioredis');
    const base: RedisOptions = { lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true, ...options.redis };
    const commands = new Redis(url, { ...base, connectionName: 'poc-cache' });
    const subscriber = new Redis(url, { ...base, connectionName: 'poc-cache-sub', enableAutoPipelining: false });
    await Promise.all([commands.connect(), subscriber.connect()]);
    return new RedisCache(commands, subscriber, options);
  }

  async get(key: string): Promise<string | null> {
    return this.commands.get(this.key(key));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.commands.set(this.key(key), value, 'EX', ttl(ttlSeconds));
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.commands.set(this.key(key), value, 'EX', ttl(ttlSeconds), 'NX')) === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.commands.del(this.key(key));
  }

  async incr(key: string, ttlSeconds: number): Promise<number> {
    return Number(await this.commands.eval(INCR_WITH_TTL, 1, this.key(key), ttl(ttlSeconds)));
  }

  async ttl(key: string): Promise<number | null> {
    const seconds = await this.commands.ttl(this.key(key));
    // -2: no such key; -1: no expiry.
    return seconds < 0 ? null : seconds;
  }

  async publish(channel: string, message: Buffer): Promise<void> {
    await this.commands.publish(this.key(channel), message);
  }

  async subscribe(channel: string, handler: (message: Buffer) => void): Promise<() => Promise<void>> {
    const full = this.key(channel);
    let set = this.handlers.get(full);
    if (!set) this.handlers.set(full, (set = new Set()));
    const own = (message: Buffer) => handler(message);
    set.add(own);
    // Resolve only once Redis confirmed the subscription: a publish after this is heard.
    if (set.size === 1) await this.serial(full, () => this.subscriber.subscribe(full));
    else await this.pending.get(full);
    return async () => {
      const current = this.handlers.get(full);
      if (!current?.delete(own)) return;
      if (current.size === 0) {
        this.handlers.delete(full);
        await this.serial(full, () => this.subscriber.unsubscribe(full));
      }
    };
  }

  async ping(): Promise<void> {
    await this.commands.ping();
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.allSettled([this.commands.quit(), this.subscriber.quit()]);
  }

  private key(key: string): string {
    assertCacheKey(key);
    return this.namespace + key;
  }

  /** SUBSCRIBE/UNSUBSCRIBE of one channel in the order they were asked for. */
  private serial(channel: string, action: () => Promise<unknown>): Promise<unknown> {
    const next = (this.pending.get(channel) ?? Promise.resolve()).catch(() => undefined).then(action);
    this.pending.set(channel, next);
    return next;
  }

  private dispatch(channel: string, message: Buffer): void {
    for (const handler of [...(this.handlers.get(channel) ?? [])]) {
      try {
        handler(message);
      } catch (error) {
        (this.options.onHandlerError ?? ((e, c) => console.error(`cache subscriber on ${c} threw`, e)))(error, channel);
      }
    }
  }
}

function ttl(seconds: number): number {
  if (!(seconds > 0)) throw new Error(`ttlSeconds must be positive, got ${seconds}`);
  return Math.ceil(seconds);
}
