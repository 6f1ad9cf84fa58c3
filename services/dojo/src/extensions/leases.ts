import { randomUUID } from 'node:crypto';
import type { Cache } from '@poc/platform';

/**
 * Which process writes a room's snapshots: a lease per room in the shared
 * cache (Redis), renewed while held. Without a cache this process is the only
 * one and holds every lease. Compaction also takes a PostgreSQL advisory lock,
 * so a lease lost in a race never lets two compactions run at once.
 */
export class RoomLeases {
  readonly owner = randomUUID();

  constructor(
    private readonly cache: Cache | undefined,
    private readonly ttlSeconds = 30,
  ) {}

  private key(dojoId: string): string {
    return `dojo:lease:${dojoId}`;
  }

  /** True when this process holds (or just took, or renewed) the room's lease. */
  async hold(dojoId: string): Promise<boolean> {
    if (!this.cache) return true;
    const key = this.key(dojoId);
    if (await this.cache.setIfAbsent(key, this.owner, this.ttlSeconds)) return true;
    if ((await this.cache.get(key)) !== this.owner) return false;
    await this.cache.set(key, this.owner, this.ttlSeconds);
    return true;
  }

  async release(dojoId: string): Promise<void> {
    if (!this.cache) return;
    const key = this.key(dojoId);
    if ((await this.cache.get(key)) === this.owner) await this.cache.delete(key);
  }
}
