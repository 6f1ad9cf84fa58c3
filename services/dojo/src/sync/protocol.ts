import * as encoding from 'lib0/encoding';
import { MESSAGE_TYPE, SYNC_MESSAGE } from '@poc/contracts/dojo';
import * as Y from 'yjs';
import { type Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';

/** Frames of the y-websocket protocol (see contracts `messages.ts`). */
export function syncStep1(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_TYPE.SYNC);
  encoding.writeVarUint(e, SYNC_MESSAGE.STEP1);
  encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
  return encoding.toUint8Array(e);
}

export function syncStep2(doc: Y.Doc, stateVector?: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_TYPE.SYNC);
  encoding.writeVarUint(e, SYNC_MESSAGE.STEP2);
  encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc, stateVector));
  return encoding.toUint8Array(e);
}

export function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_TYPE.SYNC);
  encoding.writeVarUint(e, SYNC_MESSAGE.UPDATE);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function awarenessMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_TYPE.AWARENESS);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** Every awareness state the room knows, or null when there is none. */
export function allAwareness(awareness: Awareness): Uint8Array | null {
  const clients = [...awareness.getStates().keys()];
  return clients.length === 0 ? null : awarenessMessage(encodeAwarenessUpdate(awareness, clients));
}
