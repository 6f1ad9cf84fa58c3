import * as Y from 'yjs';
import type { DojoRepository } from '../store/dojos.ts';
import type { DocumentStore } from '../store/documents.ts';
import type { RoomLeases } from './leases.ts';
import { ORIGIN, type SyncLogger } from '../sync/sync-server.ts';
import type { Extension, RoomHandle } from '../sync/types.ts';

/**
 * Durable documents: a room loads from snapshot + tail; every local update is
 * appended (group commit) before the author's echo and other processes get it; the room's lease holder (one process)
 * compacts periodically and when its room empties, and records
 * `dojo.snapshot_saved`.
 */
export function persistenceExtension(deps: {
  documents: DocumentStore;
  dojos: DojoRepository;
  leases: RoomLeases;
  compactEveryMs: number;
  logger?: SyncLogger;
}): Extension {
  const timers = new Map<string, NodeJS.Timeout>();
  const dirty = new Set<string>();

  async function compact(room: RoomHandle): Promise<void> {
    const result = await deps.documents.compact(room);
    dirty.delete(room.dojoId);
    if (!result) return;
    await deps.dojos.execute(room.tenantId, room.dojoId, { type: 'record_snapshot', ...result, now: new Date() }, `system:dojo-compactor:${deps.leases.owner}`);
  }

  return {
    name: 'persistence',
    async onLoadDocument(room) {
      const stored = await deps.documents.load(room);
      room.doc.transact(() => {
        for (const update of stored) Y.applyUpdate(room.doc, update);
      }, ORIGIN.LOAD);
      const timer = setInterval(() => {
        void (async () => {
          if (!dirty.has(room.dojoId)) return;
          if (await deps.leases.hold(room)) await compact(room);
        })().catch((error: unknown) => deps.logger?.warn({ err: error, dojoId: room.dojoId }, 'dojo compaction failed'));
      }, deps.compactEveryMs);
      timer.unref();
      timers.set(room.dojoId, timer);
    },
    onStoreUpdate(room, update) {
      // Marked before the commit: a compaction that runs first only leaves this row to the next one.
      dirty.add(room.dojoId);
      return deps.documents.append(room, update);
    },
    async onUnload(room) {
      clearInterval(timers.get(room.dojoId));
      timers.delete(room.dojoId);
      await deps.documents.drain();
      if (await deps.leases.hold(room)) {
        try {
          await compact(room);
        } finally {
          await deps.leases.release(room);
        }
      }
      dirty.delete(room.dojoId);
    },
    async onDestroy() {
      for (const t of timers.values()) clearInterval(t);
      timers.clear();
      await deps.documents.drain();
    },
  };
}
