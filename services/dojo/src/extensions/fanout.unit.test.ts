import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryCache } from '@poc/platform';
import type { RoomHandle } from '../sync/types.ts';
import { fakeRoom } from '../testing/fake-room.ts';
import { fanoutExtension } from './fanout.ts';

/** One process' room of a dojo, as the fan-out sees it. */
const room = (tenantId: string, dojoId: string): RoomHandle => fakeRoom({ tenantId, dojoId });

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  return condition();
};

describe('fanoutExtension: who waits for a room', () => {
  it('given a room no other process serves, then nobody outside waits for its changes; once another process opens it, both wait for each other', async () => {
    const cache = new MemoryCache();
    const tenantId = randomUUID();
    const dojoId = randomUUID();
    const one = fanoutExtension({ cache, antiEntropyMs: 60_000 });
    const two = fanoutExtension({ cache, antiEntropyMs: 60_000 });
    const here = room(tenantId, dojoId);
    await one.onLoadDocument!(here);
    await new Promise((r) => setTimeout(r, 20));
    expect(one.awaitsChanges!(here)).toBe(false);
    const there = room(tenantId, dojoId);
    await two.onLoadDocument!(there);
    expect(await until(() => one.awaitsChanges!(here) && two.awaitsChanges!(there))).toBe(true);
    await one.onUnload!(here);
    await two.onUnload!(there);
    await cache.close();
  });
});
