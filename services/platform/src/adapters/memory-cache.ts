import { type Cache, assertCacheKey } from '../ports/cache.ts';

interface Entry {
  value: string;
  /** Epoch ms; Infinity when the key does not expire. */
  expiresAt: number;
}

export interface MemoryCacheOptions {
  /** Where a throwing subscriber's error goes (default: console.error). */
  onHandlerError?: (error: unknown, channel: string) => void;
  /** Injected clock for tests. */
  now?: () => number;
}

/**
 * The embedded cache: a Map with expiry and an in-process pub/sub, for one
 * process (`pnpm start`, tests). Messages are delivered asynchronously, as
 * Redis delivers them, so a publisher never runs its subscribers inline.
 */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private readonly channels = new Map<string, Set<(message: Buffer) => void>>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: MemoryCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(checked(key), { value, expiresAt: this.expiry(ttlSeconds) });
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: this.expiry(ttlSeconds) });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(checked(key));
  }

  async incr(key: string, ttlSeconds: number): Promise<number> {
    const entry = this.live(key);
    if (!entry) {
      this.entries.set(key, { value: '1', expiresAt: this.expiry(ttlSeconds) });
      return 1;
    }
    if (!/^-?\d+$/.test(entry.value)) throw new Error(`cache value at ${key} is not an integer`);
    const next = Number(entry.value) + 1;
    entry.value = String(next);
    return next;
  }

  async ttl(key: string): Promise<number | null> {
    const entry = this.live(key);
    if (!entry || entry.expiresAt === Infinity) return null;
    return Math.max(0, Math.ceil((entry.expiresAt - this.now()) / 1000));
  }

  async publish(channel: string, message: Buffer): Promise<void> {
    const handlers = this.channels.get(checked(channel));
    if (!handlers) return;
    const copy = Buffer.from(message);
    for (const handler of [...handlers]) {
      setImmediate(() => {
        try {
          handler(copy);
        } catch (error) {
          (this.options.onHandlerError ?? ((e, c) => console.error(`cache subscriber on ${c} threw`, e)))(error, channel);
        }
      });
    }
  }

  async subscribe(channel: string, handler: (message: Buffer) => void): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('cache is closed');
    const handlers = this.channels.get(checked(channel)) ?? new Set();
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const own = (message: Buffer) => handler(message);
    handlers.add(own);
    this.channels.set(channel, handlers);
    return async () => {
      handlers.delete(own);
      if (handlers.size === 0 && this.channels.get(channel) === handlers) this.channels.delete(channel);
    };
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('cache is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.channels.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(checked(key));
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private expiry(ttlSeconds: number): number {
    if (!(ttlSeconds > 0)) throw new Error(`ttlSeconds must be positive, got ${ttlSeconds}`);
    return this.now() + ttlSeconds * 1000;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

function checked(key: string): string {
  assertCacheKey(key);
  return key;
}
