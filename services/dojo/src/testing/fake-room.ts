import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import type { RoomHandle } from '../sync/types.ts';

/**
 * A room as an extension sees it, without a sync server: its own document,
 * one connection, nothing read-only. Remote updates are applied to the
 * document; `overrides` changes any member (e.g. `connectionsOf`).
 */
export function fakeRoom(overrides: Partial<RoomHandle> & { tenantId?: string; dojoId?: string } = {}): RoomHandle {
  const doc = overrides.doc ?? new Y.Doc();
  return {
    tenantId: 't',
    dojoId: 'd',
    doc,
    awareness: new Awareness(doc),
    size: 1,
    readOnly: false,
    connectionsOf: () => 1,
    setReadOnly: () => undefined,
    applyRemoteUpdate: (update) => Y.applyUpdate(doc, update),
    applyStored: () => true,
    applyRemoteAwareness: () => undefined,
    released: async () => true,
    ...overrides,
  };
}
