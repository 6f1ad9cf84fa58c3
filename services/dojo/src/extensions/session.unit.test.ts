import { describe, expect, it } from 'vitest';
import type { DojoRepository } from '../store/dojos.ts';
import type { RoomHandle } from '../sync/types.ts';
import { fakeRoom } from '../testing/fake-room.ts';
import { SessionExtension } from './session.ts';

const room = (): RoomHandle => fakeRoom();

describe('SessionExtension', () => {
  it('regression: a join whose command fails (database unreachable) rejects its own hook and leaves no unhandled rejection behind (it crashed the server)', async () => {
    const failing = { execute: async () => { throw new Error('timeout exceeded when trying to connect'); } } as unknown as DojoRepository;
    const sessions = new SessionExtension({ dojos: failing });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(sessions.onConnect(room(), { tenantId: 't', userId: 'u', displayName: 'U', readOnly: false, roles: ['member'] })).rejects.toThrow('timeout');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('runs at most four commands at once across dojos, and every one of them in the end', async () => {
    let running = 0;
    let most = 0;
    const slow = {
      execute: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return { state: {}, version: 1, appended: 0 };
      },
    } as unknown as DojoRepository;
    const sessions = new SessionExtension({ dojos: slow });
    const rooms = Array.from({ length: 10 }, (_, i) => ({ ...room(), dojoId: `d${i}` }));
    await Promise.all(rooms.map((r) => sessions.onConnect(r, { tenantId: 't', userId: 'u', displayName: 'U', readOnly: false, roles: ['member'] })));
    expect(most).toBe(4);
  });

  it('given leave commands still queued when the service stops, then onDestroy resolves only once every one was recorded', async () => {
    const recorded: string[] = [];
    const slow = {
      execute: async (_tenant: string, dojoId: string) => {
        await new Promise((r) => setTimeout(r, 20));
        recorded.push(dojoId);
        return { state: {}, version: 1, appended: 0 };
      },
    } as unknown as DojoRepository;
    const sessions = new SessionExtension({ dojos: slow });
    const ctx = { tenantId: 't', userId: 'u', displayName: 'U', readOnly: false, roles: ['member' as const] };
    const left = Array.from({ length: 10 }, (_, i) => ({ ...room(), dojoId: `d${i}`, connectionsOf: () => 0 }));
    // Ten sockets closed by their clients; the leaves run four at a time.
    const leaves = left.map((r) => sessions.onDisconnect(r, ctx, 'client'));
    await sessions.onDestroy();
    expect(recorded.sort()).toEqual(left.map((r) => r.dojoId).sort());
    await Promise.all(leaves);
  });
});

