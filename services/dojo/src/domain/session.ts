import * as Y from 'yjs';
import { DOC, type DojoSessionState } from '@poc/contracts/dojo';
import { type DojoState, participantsView } from './dojo.ts';

/** What `doc.getMap('session')` shows for a dojo in this state. */
export function sessionOf(state: DojoState): DojoSessionState {
  const pilot = state.participants.find((p) => p.userId === state.pilot);
  return {
    status: state.status,
    pilot: state.pilot,
    pilotName: pilot?.displayName ?? null,
    rotationMinutes: state.rotationMinutes,
    rotationEndsAt: state.rotationEndsAt === null ? null : Date.parse(state.rotationEndsAt),
    participants: participantsView(state)
      .filter((p) => p.present)
      .map(({ userId, displayName, role }) => ({ userId, displayName, role })),
  };
}

/** Write the session into the document, touching only the keys that changed. */
export function writeSession(doc: Y.Doc, session: DojoSessionState): void {
  const map = doc.getMap<unknown>(DOC.SESSION);
  for (const [key, value] of Object.entries(session)) {
    if (JSON.stringify(map.get(key)) !== JSON.stringify(value)) map.set(key, value);
  }
}

/** A new dojo's document: the starter code and the session, as one update. */
export function initialDocument(starterCode: string, state: DojoState): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    if (starterCode) doc.getText(DOC.CODE).insert(0, starterCode);
    writeSession(doc, sessionOf(state));
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
