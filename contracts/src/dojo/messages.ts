/**
 * The wire format of `WS /v1/dojos/:id/sync`: the y-websocket protocol, binary
 * frames of lib0 var-uint encoding. Each frame starts with a message type;
 * sync frames carry a sync sub-type (y-protocols/sync) then a var-uint8-array.
 * A stock `y-websocket` `WebsocketProvider` speaks it.
 *
 * @example
 * // ws://host/v1/dojos/<id>/sync?token=<accessToken>
 * new WebsocketProvider('ws://host/v1/dojos', `${id}/sync`, doc, { params: { token } });
 */
export const MESSAGE_TYPE = {
  /** Document sync: step 1 (state vector), step 2 (missing updates), update. */
  SYNC: 0,
  /** Awareness (presence, cursors): y-protocols/awareness updates. */
  AWARENESS: 1,
  /** y-websocket's auth message (permission denied); this server closes with a code instead. */
  AUTH: 2,
  /** Ask the server to send every awareness state it knows. */
  QUERY_AWARENESS: 3,
} as const;

export const SYNC_MESSAGE = {
  STEP1: 0,
  STEP2: 1,
  UPDATE: 2,
} as const;

/** Names of the shared types inside the dojo's `Y.Doc`. */
export const DOC = {
  /** `doc.getText('code')`: the shared source code. */
  CODE: 'code',
  /** `doc.getMap('session')`: live metadata every client shows, written by the server only. */
  SESSION: 'session',
} as const;

/** Keys of `doc.getMap('session')` and the shape of their values. */
export interface DojoSessionState {
  /** `scheduled`, `live` or `ended`. */
  status: 'scheduled' | 'live' | 'ended';
  /** The current pilot's user id, or null before anyone joined. */
  pilot: string | null;
  /** The current pilot's display name. */
  pilotName: string | null;
  /** Minutes per rotation. */
  rotationMinutes: number;
  /** When the server rotates next, in epoch milliseconds (null when not live): clients count down to it. */
  rotationEndsAt: number | null;
  /** Present participants in rotation order: `{ userId, displayName, role }`. */
  participants: { userId: string; displayName: string; role: 'pilot' | 'copilot' | 'observer' }[];
}
