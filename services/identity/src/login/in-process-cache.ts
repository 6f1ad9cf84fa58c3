import type { Cache } from '@poc/platform';

/**
 * A `Cache` held in this process, for the login throttle until the platform's
 * embedded cache adapter (`memory-cache.ts`, branch `engines`) lands; then
 * identity takes that one (or Redis with `REDIS_URL`) and this file goes.
 * One process only: with several identity replicas the counters are per replica.
 */
export class InProcessCache implements Cache {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly channels = new Map<string, Set<(message: Buffer) => void>>();

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string) {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async get(key: string) {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds: number) {
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    if (this.entries.size % 1024 === 0) this.sweep();
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    if (this.live(key)) return false;
    await this.set(key, value, ttlSeconds);
    return true;
  }

  async delete(key: string) {
    this.entries.delete(key);
  }

  async incr(key: string, ttlSeconds: number) {
    const entry = this.live(key);
    if (!entry) {
      await this.set(key, '1', ttlSeconds);
      return 1;
    }
    const next = Number(entry.value) + 1;
    entry.value = String(next);
    return next;
  }

  async ttl(key: string) {
    const entry = this.live(key);
    return entry ? Math.ceil((entry.expiresAt - this.now()) / 1000) : null;
  }

  async publish(channel: string, message: Buffer) {
    for (const handler of this.channels.get(channel) ?? []) handler(message);
  }

  async subscribe(channel: string, handler: (message: Buffer) => void) {
    const set = this.channels.get(channel) ?? new Set();
    set.add(handler);
    this.channels.set(channel, set);
    return async () => {
      set.delete(handler);
    };
  }

  async ping() {}

  async close() {
    this.entries.clear();
    this.channels.clear();
  }

  private sweep() {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
