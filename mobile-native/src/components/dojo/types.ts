// What the native side of the dojo room knows about the editor: plain types, no CodeMirror or Yjs
// (those live only in the DOM component's bundle).
import type { DojoSessionState } from '../../api/types';

export type SyncStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface Peer {
  clientId: number;
  name: string;
  color: string;
  self: boolean;
}

export interface EditorSnapshot {
  status: SyncStatus;
  /** The close code that stopped reconnecting (4403, 4404...), when `closed`. */
  closeCode?: number;
  session: DojoSessionState;
  peers: Peer[];
}

/** A stable colour per user, readable on light and dark backgrounds. */
export function colorFor(name: string): string {
  const palette = ['#e11d48', '#2563eb', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return palette[h % palette.length]!;
}
