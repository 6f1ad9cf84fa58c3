import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import type { DojoCloseCode } from '@poc/contracts/dojo';

/**
 * What the sync core needs from a socket: the Fastify/ws adapter provides one,
 * a test or another transport can too.
 */
export interface Transport {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** What a connection asked for, before it is authenticated. */
export interface ConnectionRequest {
  readonly dojoId: string;
  readonly token: string | undefined;
  readonly name: string | undefined;
  /** The client asked for its own updates back once stored (the acknowledgement echo). */
  readonly ack?: boolean;
}

/** Who is connected, settled by the authenticate hooks. */
export interface ConnectionContext {
  readonly tenantId: string;
  readonly userId: string;
  readonly displayName: string;
  /** Analysts watch: their document updates are refused. */
  readonly readOnly: boolean;
  readonly roles: readonly string[];
}

/** A room is one dojo's document in this process. */
export interface RoomKey {
  readonly tenantId: string;
  readonly dojoId: string;
}

/** The view of a room that extensions get. */
export interface RoomHandle extends RoomKey {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  /** Connections in this process. */
  readonly size: number;
  /** Users connected in this process, with their number of connections. */
  connectionsOf(userId: string): number;
  /** Refuse every document update from now on (the dojo ended). */
  setReadOnly(): void;
  readonly readOnly: boolean;
  /** Apply an update that another process already stored: broadcast here, not stored again. */
  applyRemoteUpdate(update: Uint8Array): void;
  /**
   * Apply updates the store already holds (a compaction folds them), in one transaction: what changes the
   * document reaches the room's clients; nothing is stored again. False (nothing applied) once the room was dropped.
   */
  applyStored(updates: readonly Uint8Array[]): boolean;
  /** Apply awareness from another process. */
  applyRemoteAwareness(update: Uint8Array): void;
  /**
   * Resolves once every local update applied so far is stored (then echoed, published), not waiting for
   * later ones: true; false when the room was dropped instead (an update could not be stored).
   */
  released(): Promise<boolean>;
}

/** Thrown by an authenticate hook to refuse a connection with a close code of contracts. */
export class CloseError extends Error {
  constructor(
    readonly code: DojoCloseCode,
    message?: string,
  ) {
    super(message ?? `close ${code}`);
    this.name = 'CloseError';
  }
}

/**
 * Behaviour is added to the sync core by extensions (Hocuspocus style). Hooks
 * run in the order the extensions are given; `onAuthenticate` hooks run before
 * any document byte is sent, and a throw there refuses the connection
 * (`CloseError` → its code; anything else → 4500).
 *
 * @example
 * const logging: Extension = { name: 'log', async onConnect(room, ctx) { log.info({ dojo: room.dojoId, user: ctx.userId }) } };
 */
export interface Extension {
  readonly name: string;
  /** Who is this? Return fields of the context (the first hook must establish tenant and user). */
  onAuthenticate?(request: ConnectionRequest, context: Partial<ConnectionContext>): Promise<Partial<ConnectionContext> | void>;
  /** Fill a freshly created room's document (apply stored state); also a place to subscribe to other processes. */
  onLoadDocument?(room: RoomHandle): Promise<void>;
  /**
   * Make a local change durable. The author's echo and `onChange` wait for every store hook; the room's
   * other clients do not. `urgent`: someone waits for this commit (the author asked for its echo, another
   * process serves the room (`awaitsChanges`), the server wrote it); otherwise the store may take longer
   * to batch it with others (fewer commits).
   */
  onStoreUpdate?(room: RoomHandle, update: Uint8Array, urgent: boolean): Promise<void>;
  /** True while someone outside this process waits for the room's stored changes (`onChange`): they are then stored urgently. */
  awaitsChanges?(room: RoomHandle): boolean;
  /** A local change was stored and broadcast here (publish it to other processes). */
  onChange?(room: RoomHandle, update: Uint8Array): void;
  /** Local awareness changed (publish it to other processes). */
  onAwareness?(room: RoomHandle, update: Uint8Array): void;
  /** The room turned read-only here (the dojo ended): tell other processes. */
  onReadOnly?(room: RoomHandle): void;
  /** A connection joined the room (after it received the first sync message). */
  onConnect?(room: RoomHandle, context: ConnectionContext): Promise<void>;
  /** A connection left the room; `shutdown` when the server closed it to restart (the client reconnects). */
  onDisconnect?(room: RoomHandle, context: ConnectionContext, reason: 'client' | 'shutdown'): Promise<void>;
  /** The room is empty and about to be released: last chance to compact. */
  onUnload?(room: RoomHandle): Promise<void>;
  /** The server is shutting down (after every room was unloaded). */
  onDestroy?(): Promise<void>;
}
