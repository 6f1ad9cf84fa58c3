import { randomUUID } from 'node:crypto';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { encodeAwarenessUpdate } from 'y-protocols/awareness';
import { type Cache, tenantCache } from '@poc/platform';
import type { SyncLogger } from '../sync/sync-server.ts';
import type { Extension, RoomHandle } from '../sync/types.ts';

/** Kinds of frames between dojo processes on a room's channel. */
const KIND = { UPDATE: 0, AWARENESS: 1, SYNC_REQUEST: 2, READ_ONLY: 3 } as const;

function frame(origin: string, kind: number, payload: Uint8Array): Buffer {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, origin);
  encoding.writeVarUint(e, kind);
  encoding.writeVarUint8Array(e, payload);
  return Buffer.from(encoding.toUint8Array(e));
}

/**
 * Scale-out: several dojo processes serve one room through the cache's
 * pub/sub (Redis in production). Stored updates and awareness go to the
 * room's channel; other processes apply them without storing them again. A
 * process that opens a room (and every `antiEntropyMs`) publishes its state
 * vector and the others answer with what it lacks (an empty update when
 * nothing), so a message lost by pub/sub (at most once) is repaired.
 *
 * A process alone with a room publishes no update nor awareness: the
 * requests and answers also tell each process who else serves the room, and a
 * newcomer's request is answered with everything it lacks. A room counts as
 * shared while another process was heard from in the last three anti-entropy
 * periods (each process asks once per period).
 */
export function fanoutExtension(deps: { cache: Cache; antiEntropyMs: number; logger?: SyncLogger }): Extension & { readonly origin: string } {
  const origin = randomUUID();
  interface Entry {
    room: RoomHandle;
    cache: Cache;
    channel: string;
    unsubscribe: () => Promise<void>;
    timer: NodeJS.Timeout;
    /** Until when another process counts as serving the room (epoch ms). */
    sharedUntil: number;
  }
  const rooms = new Map<string, Entry>();
  const publish = (entry: Pick<Entry, 'cache' | 'channel' | 'room'>, kind: number, payload: Uint8Array) =>
    entry.cache.publish(entry.channel, frame(origin, kind, payload)).catch((error: unknown) => deps.logger?.warn({ err: error, dojoId: entry.room.dojoId }, 'dojo publish failed'));
  const requestSync = (entry: Pick<Entry, 'cache' | 'channel' | 'room'>) => publish(entry, KIND.SYNC_REQUEST, Y.encodeStateVector(entry.room.doc));
  const shared = (entry: Entry | undefined): entry is Entry => entry !== undefined && entry.sharedUntil > Date.now();

  function receive(entry: Entry, message: Buffer): void {
    const room = entry.room;
    if (rooms.get(room.dojoId) !== entry) return;
    const d = decoding.createDecoder(new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
    if (decoding.readVarString(d) === origin) return;
    entry.sharedUntil = Date.now() + 3 * deps.antiEntropyMs;
    const kind = decoding.readVarUint(d);
    const payload = decoding.readVarUint8Array(d);
    switch (kind) {
      case KIND.UPDATE:
        room.applyRemoteUpdate(payload);
        break;
      case KIND.AWARENESS:
        room.applyRemoteAwareness(payload);
        break;
      case KIND.SYNC_REQUEST: {
        // Always answered, if only with an empty update (two bytes): the asker learns it is not alone. Sent
        // once what it holds is stored: another process never gets an update the store may still lose.
        const missing = Y.encodeStateAsUpdate(room.doc, payload);
        void room.released().then(async (stored) => {
          if (stored) await publish(entry, KIND.UPDATE, missing);
        });
        const clients = [...room.awareness.getStates().keys()];
        if (clients.length > 0) void publish(entry, KIND.AWARENESS, encodeAwarenessUpdate(room.awareness, clients));
        break;
      }
      case KIND.READ_ONLY:
        room.setReadOnly();
        break;
      default:
        deps.logger?.warn({ kind, dojoId: room.dojoId }, 'unknown dojo fan-out frame');
    }
  }

  return {
    name: 'fanout',
    origin,
    async onLoadDocument(room) {
      // Each room's channel lives in its tenant's part of the cache (`t:<tenant>:dojo:<dojo>`).
      const cache = tenantCache(deps.cache, room.tenantId);
      const channel = `dojo:${room.dojoId}`;
      const entry: Entry = { room, cache, channel, unsubscribe: async () => undefined, timer: undefined as unknown as NodeJS.Timeout, sharedUntil: 0 };
      entry.unsubscribe = await cache.subscribe(channel, (message) => {
        try {
          receive(entry, message);
        } catch (error) {
          deps.logger?.warn({ err: error, dojoId: room.dojoId }, 'bad dojo fan-out frame');
        }
      });
      entry.timer = setInterval(() => void requestSync(entry), deps.antiEntropyMs);
      entry.timer.unref();
      rooms.set(room.dojoId, entry);
      // What was published between our load from the store and the subscription; and we are here now.
      await requestSync(entry);
    },
    // Another process serves the room: it waits for our stored updates, so they are stored promptly.
    awaitsChanges(room) {
      return shared(rooms.get(room.dojoId));
    },
    onChange(room, update) {
      const entry = rooms.get(room.dojoId);
      if (shared(entry)) void publish(entry, KIND.UPDATE, update);
    },
    onAwareness(room, update) {
      const entry = rooms.get(room.dojoId);
      if (shared(entry)) void publish(entry, KIND.AWARENESS, update);
    },
    onReadOnly(room) {
      const entry = rooms.get(room.dojoId);
      if (entry) void publish(entry, KIND.READ_ONLY, new Uint8Array(0));
    },
    async onUnload(room) {
      const entry = rooms.get(room.dojoId);
      if (!entry) return;
      rooms.delete(room.dojoId);
      clearInterval(entry.timer);
      await entry.unsubscribe();
    },
    async onDestroy() {
      for (const entry of rooms.values()) {
        clearInterval(entry.timer);
        await entry.unsubscribe().catch(() => undefined);
      }
      rooms.clear();
    },
  };
}
