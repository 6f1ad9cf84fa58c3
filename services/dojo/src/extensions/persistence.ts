import * as Y from 'yjs';
import type { DojoRepository } from '../store/dojos.ts';
import type { DocumentStore } from '../store/documents.ts';
import type { RoomLeases } from './leases.ts';
import { ORIGIN, type SyncLogger } from '../sync/sync-server.ts';
import type { Extension, RoomHandle } from '../sync/types.ts';

const MAX_COMPACTIONS = 2;

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
  /** The version of the stored snapshot each room's document holds (it wrote it). */
  const snapshots = new Map<string, string>();
  // Compactions take turns (at most two at once): rooms opened together would otherwise compact
  // together and hold every database connection the update appends (and everyone's echo) wait for.
  let compacting = 0;
  const turns: (() => void)[] = [];
  const turn = async (): Promise<() => void> => {
    if (compacting >= MAX_COMPACTIONS) await new Promise<void>((resolve) => turns.push(resolve));
    else compacting++;
    return () => {
      const next = turns.shift();
      if (next) next();
      else compacting--;
    };
  };

  async function compact(room: RoomHandle): Promise<void> {
    const done = await turn();
    try {
      // From the room's live document: the rows are not integrated again, the snapshot read only when another process wrote it.
      const result = await deps.documents.compact(room, room, snapshots.get(room.dojoId));
      dirty.delete(room.dojoId);
      if (!result) return;
      snapshots.set(room.dojoId, result.version);
      const { bytes, updates, textLength } = result;
      await deps.dojos.execute(room.tenantId, room.dojoId, { type: 'record_snapshot', bytes, updates, textLength, now: new Date() }, `system:dojo-compactor:${deps.leases.owner}`);
    } finally {
      done();
    }
  }

  return {
    name: 'persistence',
    async onLoadDocument(room) {
      const stored = await deps.documents.load(room);
      room.doc.transact(() => {
        for (const update of stored) Y.applyUpdate(room.doc, update);
      }, ORIGIN.LOAD);
      const tick = () => {
        void (async () => {
          if (!dirty.has(room.dojoId)) return;
          if (await deps.leases.hold(room)) await compact(room);
        })().catch((error: unknown) => deps.logger?.warn({ err: error, dojoId: room.dojoId }, 'dojo compaction failed'));
      };
      // The first period is drawn at random: rooms opened at once do not all compact at once.
      const first = setTimeout(() => {
        const timer = setInterval(tick, deps.compactEveryMs);
        timer.unref();
        if (timers.get(room.dojoId) === first) timers.set(room.dojoId, timer);
        else clearInterval(timer);
        tick();
      }, Math.floor(deps.compactEveryMs * (0.5 + Math.random())));
      first.unref();
      timers.set(room.dojoId, first);
    },
    onStoreUpdate(room, update, urgent) {
      // Marked before the commit: a compaction that runs first only leaves this row to the next one.
      dirty.add(room.dojoId);
      return deps.documents.append(room, update, urgent);
    },
    async onUnload(room) {
      const timer = timers.get(room.dojoId);
      clearTimeout(timer);
      clearInterval(timer);
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
      snapshots.delete(room.dojoId);
    },
    async onDestroy() {
      for (const t of timers.values()) {
        clearTimeout(t);
        clearInterval(t);
      }
      timers.clear();
      await deps.documents.drain();
    },
  };
}
