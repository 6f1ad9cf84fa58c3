import { randomUUID } from 'node:crypto';
import { type Cache, tenantCache } from '@poc/platform';
import type { RoomKey } from '../sync/types.ts';

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

  /** True when this process holds (or just took, or renewed) the room's lease. */
  async hold(room: RoomKey): Promise<boolean> {
    if (!this.cache) return true;
    const cache = tenantCache(this.cache, room.tenantId);
    const key = `dojo:lease:${room.dojoId}`;
    if (await cache.setIfAbsent(key, this.owner, this.ttlSeconds)) return true;
    if ((await cache.get(key)) !== this.owner) return false;
    await cache.set(key, this.owner, this.ttlSeconds);
    return true;
  }

  async release(room: RoomKey): Promise<void> {
    if (!this.cache) return;
    const cache = tenantCache(this.cache, room.tenantId);
    const key = `dojo:lease:${room.dojoId}`;
    if ((await cache.get(key)) === this.owner) await cache.delete(key);
  }
}
