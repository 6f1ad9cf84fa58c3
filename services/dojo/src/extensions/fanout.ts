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
 * vector and the others answer with what it lacks, so a message lost by
 * pub/sub (at most once) is repaired.
 */
export function fanoutExtension(deps: { cache: Cache; antiEntropyMs: number; logger?: SyncLogger }): Extension & { readonly origin: string } {
  const origin = randomUUID();
  const rooms = new Map<string, { room: RoomHandle; unsubscribe: () => Promise<void>; timer: NodeJS.Timeout }>();
  // Each room's channel lives in its tenant's part of the cache (`t:<tenant>:dojo:<dojo>`).
  const cacheOf = (room: RoomHandle) => tenantCache(deps.cache, room.tenantId);
  const channel = (room: RoomHandle) => `dojo:${room.dojoId}`;
  const publish = (room: RoomHandle, kind: number, payload: Uint8Array) =>
    cacheOf(room).publish(channel(room), frame(origin, kind, payload)).catch((error: unknown) => deps.logger?.warn({ err: error, dojoId: room.dojoId }, 'dojo publish failed'));
  const requestSync = (room: RoomHandle) => publish(room, KIND.SYNC_REQUEST, Y.encodeStateVector(room.doc));

  function receive(room: RoomHandle, message: Buffer): void {
    if (!rooms.has(room.dojoId)) return;
    const d = decoding.createDecoder(new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
    if (decoding.readVarString(d) === origin) return;
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
        const missing = Y.encodeStateAsUpdate(room.doc, payload);
        // Two bytes: no structs and an empty delete set, nothing to send.
        if (missing.byteLength > 2) void publish(room, KIND.UPDATE, missing);
        const clients = [...room.awareness.getStates().keys()];
        if (clients.length > 0) void publish(room, KIND.AWARENESS, encodeAwarenessUpdate(room.awareness, clients));
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
      const unsubscribe = await cacheOf(room).subscribe(channel(room), (message) => {
        try {
          receive(room, message);
        } catch (error) {
          deps.logger?.warn({ err: error, dojoId: room.dojoId }, 'bad dojo fan-out frame');
        }
      });
      const timer = setInterval(() => void requestSync(room), deps.antiEntropyMs);
      timer.unref();
      rooms.set(room.dojoId, { room, unsubscribe, timer });
      // What was published between our load from the store and the subscription.
      await requestSync(room);
    },
    onChange(room, update) {
      void publish(room, KIND.UPDATE, update);
    },
    onAwareness(room, update) {
      void publish(room, KIND.AWARENESS, update);
    },
    onReadOnly(room) {
      void publish(room, KIND.READ_ONLY, new Uint8Array(0));
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
