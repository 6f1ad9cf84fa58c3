import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { DOC, DOJO_CLOSE, DOJO_CLOSE_REASON, type DojoCloseCode, MESSAGE_TYPE, SYNC_MESSAGE } from '@poc/contracts/dojo';
import { allAwareness, awarenessMessage, syncStep1, syncStep2, updateMessage } from './protocol.ts';
import { CloseError, type ConnectionContext, type ConnectionRequest, type Extension, type RoomHandle, type RoomKey, type Transport } from './types.ts';

export interface SyncLimits {
  /** Largest frame a client may send (4413 above). */
  maxMessageBytes: number;
  /** Largest document, estimated as stored state plus updates since (4413 above). */
  maxDocumentBytes: number;
  /** Sustained frames per second per connection (token bucket refill). */
  messagesPerSecond: number;
  /** Burst of frames per connection (token bucket size); 4429 when empty. */
  messageBurst: number;
  /** How long an empty room stays in memory before it is released. */
  roomIdleMs: number;
}

export const DEFAULT_LIMITS: SyncLimits = {
  maxMessageBytes: 1_048_576,
  maxDocumentBytes: 4_194_304,
  messagesPerSecond: 50,
  messageBurst: 200,
  roomIdleMs: 1_000,
};

export interface SyncLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Origins of document transactions that are not a connection. */
export const ORIGIN = { LOAD: Symbol('load'), REMOTE: Symbol('remote'), SERVER: Symbol('server') } as const;

/** What the transport adapter feeds back into the core. */
export interface ConnectionHandle {
  receive(data: Uint8Array): void;
  closed(): void;
}

class Connection {
  context: ConnectionContext | null = null;
  room: Room | null = null;
  open = true;
  /** Frames received while authenticating, replayed once the room is ready. */
  queue: Uint8Array[] | null = [];
  readonly awarenessIds = new Set<number>();
  /** Gets its own updates back once stored (asked for with `ack`). */
  acks = false;
  private tokens: number;
  private refilledAt = performance.now();

  constructor(
    readonly transport: Transport,
    private readonly limits: SyncLimits,
  ) {
    this.tokens = limits.messageBurst;
  }

  /** Take one token of the rate limit; false when the bucket is empty. */
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.limits.messageBurst, this.tokens + ((now - this.refilledAt) / 1000) * this.limits.messagesPerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  send(data: Uint8Array): void {
    if (this.open) this.transport.send(data);
  }

  close(code: DojoCloseCode): void {
    if (!this.open) return;
    this.open = false;
    this.transport.close(code, DOJO_CLOSE_REASON[code]);
  }
}

/** A local update waiting for its store: then the author's echo and other processes get it. */
interface Unstored {
  readonly update: Uint8Array;
  readonly message: Uint8Array;
  readonly author: Connection | null;
  /** The store's promise for it (shared by the updates of one group commit). */
  commit?: Promise<void>;
  stored: boolean;
  /** Who waits for this update to be released (`Room.released`): true, or false when the room broke. */
  waiters?: ((released: boolean) => void)[];
}

/** Yjs' own test (`writeUpdateMessageFromTransaction`): did this transaction change the document? */
function changedDocument(transaction: Y.Transaction): boolean {
  if (transaction.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of transaction.afterState) if (transaction.beforeState.get(client) !== clock) return true;
  return false;
}

class Room implements RoomHandle {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new Awareness(this.doc);
  readonly connections = new Set<Connection>();
  readOnly = false;
  /** Stored state size plus local updates since: the document size limit is checked against it. */
  estimatedBytes = 0;
  loaded: Promise<void>;
  unloading: Promise<void> | null = null;
  idleTimer: NodeJS.Timeout | null = null;
  /** Local updates not yet released (echoed and published), in arrival order. */
  private readonly unstored: Unstored[] = [];
  /** The store promise of the latest local update, while it is pending. */
  private lastCommit: Promise<void> | null = null;
  private readonly drained = new Set<() => void>();
  /** The update being applied from the wire (a client's or another process'), relayed as it came. */
  private incoming: { update: Uint8Array; origin: unknown; seen: boolean; changed: Y.Transaction | null } | null = null;
  broken = false;
  /** The session map as the server (or the store) last wrote it. */
  serverSession: Record<string, unknown> = {};

  constructor(
    readonly tenantId: string,
    readonly dojoId: string,
    private readonly server: SyncServer,
  ) {
    this.awareness.setLocalState(null);
    // No 'update' listener: Yjs would encode every transaction again; an update from the wire is relayed as
    // received, and only the server's own (rare) transactions are encoded.
    this.doc.on('afterTransactionCleanup', (transaction: Y.Transaction) => this.afterTransaction(transaction));
    // `doc.getMap('session')` is the server's: remember what it wrote, undo what a client writes.
    const session = this.doc.getMap<unknown>(DOC.SESSION);
    session.observe((event) => {
      const origin = event.transaction.origin;
      if (origin instanceof Connection) this.server.sessionTampered(this, origin);
      else this.serverSession = session.toJSON();
    });
    this.awareness.on('update', (changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) =>
      this.onAwarenessUpdate(changes, origin),
    );
    this.loaded = Promise.resolve();
  }

  get size(): number {
    return this.connections.size;
  }

  connectionsOf(userId: string): number {
    let n = 0;
    for (const c of this.connections) if (c.context?.userId === userId) n++;
    return n;
  }

  setReadOnly(): void {
    this.readOnly = true;
  }

  /**
   * Apply an update from the wire; when it changes the document, that same update is stored and relayed.
   * `frame`: the update message it came in, relayed as it is (no encoding, the same buffer for every peer).
   */
  applyIncoming(update: Uint8Array, origin: Connection | typeof ORIGIN.REMOTE, frame: Uint8Array | null = null): void {
    const incoming: NonNullable<Room['incoming']> = { update, origin, seen: false, changed: null };
    this.incoming = incoming;
    let complete = false;
    try {
      Y.applyUpdate(this.doc, update, origin);
      complete = true;
    } finally {
      this.incoming = null;
      if (incoming.changed) {
        // A frame that fails halfway (malformed after a valid part) is never relayed as it came: what it
        // did change is encoded by Yjs, well formed, like the server's own transactions.
        if (complete) this.onDocUpdate(update, origin, frame);
        else this.onDocUpdate(Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(incoming.changed.beforeState)), origin);
      }
    }
  }

  applyRemoteUpdate(update: Uint8Array): void {
    this.applyIncoming(update, ORIGIN.REMOTE);
  }

  applyStored(updates: readonly Uint8Array[]): boolean {
    if (this.broken) return false;
    // One transaction: it is encoded (and relayed, not stored) only if it changed the document.
    this.doc.transact(() => {
      for (const update of updates) Y.applyUpdate(this.doc, update);
    }, ORIGIN.REMOTE);
    return true;
  }

  applyRemoteAwareness(update: Uint8Array): void {
    applyAwarenessUpdate(this.awareness, update, ORIGIN.REMOTE);
  }

  broadcast(message: Uint8Array): void {
    for (const c of this.connections) c.send(message);
  }

  private afterTransaction(transaction: Y.Transaction): void {
    const origin = transaction.origin;
    if (origin === ORIGIN.LOAD) return;
    const incoming = this.incoming;
    if (incoming && !incoming.seen && incoming.origin === origin) {
      incoming.seen = true;
      // An update whose dependencies are missing waits in the store's pending part without changing the
      // document yet: it is relayed (and stored) now all the same, so that what completes it later is enough.
      const pending = this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null;
      if (changedDocument(transaction) || pending) incoming.changed = transaction;
      return;
    }
    // The server's own transactions (the session map): encoded from the state before them.
    if (changedDocument(transaction)) this.onDocUpdate(Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(transaction.beforeState)), origin);
  }

  private onDocUpdate(update: Uint8Array, origin: unknown, frame: Uint8Array | null = null): void {
    this.estimatedBytes += update.byteLength;
    // Encoded once for the whole room, if it did not come as an update message already.
    const message = frame ?? updateMessage(update);
    if (origin === ORIGIN.REMOTE) {
      this.broadcast(message);
      return;
    }
    // The room's other clients get the edit at once: if this process dies before the commit, every
    // client that holds it sends it again to the fresh room on reconnect. The author's echo (its
    // acknowledgement, for a client that asked for it) and other processes (whose rooms outlive this
    // one) get it only once stored.
    const from = origin instanceof Connection ? origin : null;
    for (const c of this.connections) if (c !== from) c.send(message);
    const author = from?.acks ? from : null;
    const entry: Unstored = { update, message, author, stored: false };
    this.unstored.push(entry);
    // Urgent when someone waits for the commit: the author's echo, the server's own change (its caller waits
    // for `released()`), another process. An edit nobody waits for may wait longer for company: fewer commits.
    const urgent = author !== null || from === null || this.server.awaitsChanges(this);
    const commit = this.server.store(this, update, urgent);
    entry.commit = commit;
    // The updates of one group commit share its promise: one callback for all of them.
    if (commit === this.lastCommit) return;
    this.lastCommit = commit;
    commit.then(
      () => {
        for (const e of this.unstored) if (e.commit === commit) e.stored = true;
        if (this.lastCommit === commit) this.lastCommit = null;
        this.release();
      },
      (error: unknown) => this.server.storeFailed(this, error),
    );
  }

  /** Echo and publish the stored updates at the head of the queue, in arrival order. */
  private release(): void {
    while (this.unstored.length > 0 && this.unstored[0]!.stored) {
      const entry = this.unstored.shift()!;
      if (!this.broken) {
        entry.author?.send(entry.message);
        this.server.changed(this, entry.update);
      }
      if (entry.waiters) for (const resolve of entry.waiters) resolve(!this.broken);
    }
    if (this.unstored.length === 0) this.wake();
  }

  private wake(): void {
    for (const resolve of this.drained) resolve();
    this.drained.clear();
    if (this.broken) {
      for (const entry of this.unstored) if (entry.waiters) for (const resolve of entry.waiters) resolve(false);
      this.unstored.length = 0;
    }
  }

  /** Resolves once every local update received so far is released: not later ones (a busy room never drains). */
  released(): Promise<boolean> {
    if (this.broken) return Promise.resolve(false);
    const last = this.unstored.at(-1);
    if (!last) return Promise.resolve(true);
    return new Promise((resolve) => (last.waiters ??= []).push(resolve));
  }

  private onAwarenessUpdate({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void {
    if (origin instanceof Connection) {
      for (const id of added) origin.awarenessIds.add(id);
      for (const id of removed) origin.awarenessIds.delete(id);
    }
    const changed = [...added, ...updated, ...removed];
    const update = encodeAwarenessUpdate(this.awareness, changed);
    this.broadcast(awarenessMessage(update));
    if (origin !== ORIGIN.REMOTE) this.server.awarenessChanged(this, update);
  }

  /** Wait until every local update received so far is stored and released (or the room broke). */
  async settled(): Promise<void> {
    while (this.unstored.length > 0 && !this.broken) await new Promise<void>((resolve) => this.drained.add(resolve));
  }

  destroy(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.broken = true;
    this.wake();
    this.awareness.destroy();
    this.doc.destroy();
  }
}

/**
 * The transport-agnostic dojo sync server: the y-websocket protocol (sync and
 * awareness) over any `Transport`, with rooms per dojo, limits, and behaviour
 * added by extensions in order (authenticate, load, store, change, connect,
 * disconnect, unload).
 *
 * @example
 * const server = new SyncServer({ extensions: [auth, persistence, fanout, session] });
 * const handle = server.connect(transport, { dojoId, token, name });
 * socket.on('message', (data) => handle.receive(data));
 * socket.on('close', () => handle.closed());
 */
export class SyncServer {
  private readonly rooms = new Map<string, Room>();
  private readonly extensions: readonly Extension[];
  private readonly storeHooks: readonly Extension[];
  private readonly awaitHooks: readonly Extension[];
  private readonly limits: SyncLimits;
  private readonly logger: SyncLogger | undefined;
  private closing = false;

  constructor(options: { extensions: readonly Extension[]; limits?: Partial<SyncLimits>; logger?: SyncLogger }) {
    this.extensions = options.extensions;
    this.storeHooks = options.extensions.filter((ext) => ext.onStoreUpdate);
    this.awaitHooks = options.extensions.filter((ext) => ext.awaitsChanges);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.logger = options.logger;
  }

  /** Rooms in memory now (for metrics and tests). */
  get roomCount(): number {
    return this.rooms.size;
  }

  get connectionCount(): number {
    let n = 0;
    for (const r of this.rooms.values()) n += r.connections.size;
    return n;
  }

  /** The room of a dojo when it is loaded in this process. */
  room(dojoId: string): RoomHandle | undefined {
    return this.rooms.get(dojoId);
  }

  connect(transport: Transport, request: ConnectionRequest): ConnectionHandle {
    const connection = new Connection(transport, this.limits);
    connection.acks = request.ack === true;
    if (this.closing) {
      connection.close(DOJO_CLOSE.SERVICE_RESTART);
    } else {
      void this.admit(connection, request);
    }
    return {
      receive: (data) => this.receive(connection, data),
      closed: () => this.disconnect(connection),
    };
  }

  private async admit(connection: Connection, request: ConnectionRequest): Promise<void> {
    let context: Partial<ConnectionContext> = {};
    try {
      for (const ext of this.extensions) {
        if (!ext.onAuthenticate) continue;
        const more = await ext.onAuthenticate(request, context);
        if (more) context = { ...context, ...more };
        if (!connection.open) return;
      }
      if (!context.tenantId || !context.userId) throw new CloseError(DOJO_CLOSE.BAD_TOKEN);
    } catch (error) {
      if (!(error instanceof CloseError)) this.logger?.error({ err: error }, 'dojo authentication failed');
      connection.close(error instanceof CloseError ? error.code : DOJO_CLOSE.INTERNAL);
      return;
    }
    const ctx: ConnectionContext = {
      tenantId: context.tenantId,
      userId: context.userId,
      displayName: context.displayName ?? context.userId,
      readOnly: context.readOnly ?? false,
      roles: context.roles ?? [],
    };
    connection.context = ctx;
    let room: Room;
    try {
      room = await this.openRoom({ tenantId: ctx.tenantId, dojoId: request.dojoId });
    } catch (error) {
      this.logger?.error({ err: error, dojoId: request.dojoId }, 'dojo room failed to load');
      connection.close(DOJO_CLOSE.INTERNAL);
      return;
    }
    if (!connection.open || this.closing) {
      connection.close(DOJO_CLOSE.SERVICE_RESTART);
      this.releaseIfEmpty(room);
      return;
    }
    connection.room = room;
    room.connections.add(connection);
    if (room.idleTimer) {
      clearTimeout(room.idleTimer);
      room.idleTimer = null;
    }
    connection.send(syncStep1(room.doc));
    const states = allAwareness(room.awareness);
    if (states) connection.send(states);
    const queued = connection.queue ?? [];
    connection.queue = null;
    for (const frame of queued) this.handle(connection, room, frame);
    for (const ext of this.extensions) {
      if (!ext.onConnect) continue;
      ext.onConnect(room, ctx).catch((error: unknown) => this.logger?.warn({ err: error, ext: ext.name }, 'dojo onConnect failed'));
    }
  }

  /** The room of a dojo, loading it (once) if it is not in memory. */
  private async openRoom(key: RoomKey): Promise<Room> {
    for (;;) {
      const existing = this.rooms.get(key.dojoId);
      if (existing?.unloading) {
        await existing.unloading;
        continue;
      }
      if (existing) {
        await existing.loaded;
        return existing;
      }
      const room = new Room(key.tenantId, key.dojoId, this);
      this.rooms.set(key.dojoId, room);
      room.loaded = (async () => {
        for (const ext of this.extensions) if (ext.onLoadDocument) await ext.onLoadDocument(room);
        room.estimatedBytes = Y.encodeStateAsUpdate(room.doc).byteLength;
      })();
      try {
        await room.loaded;
      } catch (error) {
        this.rooms.delete(key.dojoId);
        room.destroy();
        throw error;
      }
      return room;
    }
  }

  private receive(connection: Connection, data: Uint8Array): void {
    if (!connection.open) return;
    if (data.byteLength > this.limits.maxMessageBytes) return connection.close(DOJO_CLOSE.TOO_LARGE);
    if (!connection.take()) return connection.close(DOJO_CLOSE.TOO_MANY_MESSAGES);
    if (connection.queue) {
      connection.queue.push(data);
      return;
    }
    if (connection.room) this.handle(connection, connection.room, data);
  }

  private handle(connection: Connection, room: Room, data: Uint8Array): void {
    if (!connection.open) return;
    try {
      const decoder = decoding.createDecoder(data);
      const type = decoding.readVarUint(decoder);
      switch (type) {
        case MESSAGE_TYPE.SYNC: {
          const sub = decoding.readVarUint(decoder);
          const payload = decoding.readVarUint8Array(decoder);
          if (sub === SYNC_MESSAGE.STEP1) {
            connection.send(syncStep2(room.doc, payload));
          } else if (sub === SYNC_MESSAGE.STEP2 || sub === SYNC_MESSAGE.UPDATE) {
            // Read-only connections (analysts, ended dojos): their edits are refused, silently as y-websocket expects.
            if (connection.context?.readOnly || room.readOnly || room.broken) return;
            if (room.estimatedBytes + payload.byteLength > this.limits.maxDocumentBytes) return connection.close(DOJO_CLOSE.TOO_LARGE);
            // An update message that holds nothing else is relayed as it came.
            room.applyIncoming(payload, connection, sub === SYNC_MESSAGE.UPDATE && decoder.pos === data.byteLength ? data : null);
          } else {
            return connection.close(DOJO_CLOSE.BAD_MESSAGE);
          }
          break;
        }
        case MESSAGE_TYPE.AWARENESS:
          applyAwarenessUpdate(room.awareness, decoding.readVarUint8Array(decoder), connection);
          break;
        case MESSAGE_TYPE.QUERY_AWARENESS: {
          const states = allAwareness(room.awareness);
          if (states) connection.send(states);
          break;
        }
        case MESSAGE_TYPE.AUTH:
          break;
        default:
          connection.close(DOJO_CLOSE.BAD_MESSAGE);
      }
    } catch (error) {
      this.logger?.warn({ err: error, dojoId: room.dojoId }, 'malformed dojo frame');
      connection.close(DOJO_CLOSE.BAD_MESSAGE);
    }
  }

  private disconnect(connection: Connection, reason: 'client' | 'shutdown' = 'client'): void {
    connection.open = false;
    const room = connection.room;
    const ctx = connection.context;
    connection.room = null;
    if (!room || !ctx || !room.connections.delete(connection)) return;
    if (connection.awarenessIds.size > 0) removeAwarenessStates(room.awareness, [...connection.awarenessIds], ORIGIN.SERVER);
    for (const ext of this.extensions) {
      if (!ext.onDisconnect) continue;
      ext.onDisconnect(room, ctx, reason).catch((error: unknown) => this.logger?.warn({ err: error, ext: ext.name }, 'dojo onDisconnect failed'));
    }
    this.releaseIfEmpty(room);
  }

  private releaseIfEmpty(room: Room): void {
    if (room.connections.size > 0 || room.unloading || room.idleTimer) return;
    room.idleTimer = setTimeout(() => {
      room.idleTimer = null;
      if (room.connections.size === 0) void this.unload(room);
    }, this.limits.roomIdleMs);
  }

  private unload(room: Room): Promise<void> {
    room.unloading ??= (async () => {
      await room.settled();
      for (const ext of this.extensions) {
        if (!ext.onUnload) continue;
        await ext.onUnload(room).catch((error: unknown) => this.logger?.warn({ err: error, ext: ext.name }, 'dojo onUnload failed'));
      }
      this.rooms.delete(room.dojoId);
      room.destroy();
    })();
    return room.unloading;
  }

  /** Called by a room for each local update: every store hook, in order. */
  store(room: Room, update: Uint8Array, urgent: boolean): Promise<void> {
    const hooks = this.storeHooks;
    // The hot path: one store hook (persistence) is called directly.
    if (hooks.length === 1) return hooks[0]!.onStoreUpdate!(room, update, urgent);
    return (async () => {
      for (const ext of hooks) await ext.onStoreUpdate!(room, update, urgent);
    })();
  }

  /** Does someone outside this process wait for the room's stored changes now? */
  awaitsChanges(room: Room): boolean {
    for (const ext of this.awaitHooks) if (ext.awaitsChanges!(room)) return true;
    return false;
  }

  changed(room: Room, update: Uint8Array): void {
    for (const ext of this.extensions) ext.onChange?.(room, update);
  }

  awarenessChanged(room: Room, update: Uint8Array): void {
    for (const ext of this.extensions) ext.onAwareness?.(room, update);
  }

  /**
   * An update could not be stored: its sender was told nothing, so drop the
   * room (its memory holds what the store lacks) and let every client
   * reconnect; their sync sends the update again.
   */
  storeFailed(room: Room, error: unknown): void {
    if (room.broken) return;
    room.broken = true;
    this.logger?.error({ err: error, dojoId: room.dojoId }, 'dojo update could not be stored; dropping the room');
    for (const c of [...room.connections]) c.close(DOJO_CLOSE.INTERNAL);
    room.connections.clear();
    room.destroy();
    // Unload hooks still run (unsubscribe, timers), so that the room can open again cleanly once they are done.
    room.unloading = (async () => {
      for (const ext of this.extensions) {
        if (!ext.onUnload) continue;
        await ext.onUnload(room).catch((err: unknown) => this.logger?.warn({ err, ext: ext.name }, 'dojo onUnload failed'));
      }
      this.rooms.delete(room.dojoId);
    })();
  }

  /**
   * A client wrote the server's session map: refuse the connection (4403) and
   * write the server's values back (a later write wins in the CRDT).
   */
  sessionTampered(room: Room, connection: Connection): void {
    this.logger?.warn({ dojoId: room.dojoId, userId: connection.context?.userId }, 'a client wrote the dojo session map');
    connection.close(DOJO_CLOSE.FORBIDDEN);
    const expected = room.serverSession;
    queueMicrotask(() => {
      if (room.broken || room.unloading) return;
      const map = room.doc.getMap<unknown>(DOC.SESSION);
      room.doc.transact(() => {
        for (const key of [...map.keys()]) if (!(key in expected)) map.delete(key);
        for (const [key, value] of Object.entries(expected)) map.set(key, value);
      }, ORIGIN.SERVER);
    });
  }

  /** The dojo ended: refuse document updates in its room, here and in every process. */
  setReadOnly(dojoId: string): void {
    const room = this.rooms.get(dojoId);
    if (!room || room.readOnly) return;
    room.setReadOnly();
    for (const ext of this.extensions) ext.onReadOnly?.(room);
  }

  /**
   * Change a dojo's document from the server (session state): through its
   * room, so the change is stored, broadcast and fanned out like any other.
   */
  async change(key: RoomKey, fn: (doc: Y.Doc) => void): Promise<void> {
    if (this.closing) return;
    const room = await this.openRoom(key);
    room.doc.transact(() => fn(room.doc), ORIGIN.SERVER);
    // Only this change (and what came before it): a busy room is never idle.
    await room.released();
    this.releaseIfEmpty(room);
  }

  /** Stop: refuse new connections, store what is in flight, close every socket with 1012, unload every room. */
  async close(): Promise<void> {
    this.closing = true;
    const rooms = [...this.rooms.values()];
    await Promise.all(
      rooms.map(async (room) => {
        await room.settled();
        for (const c of [...room.connections]) {
          c.close(DOJO_CLOSE.SERVICE_RESTART);
          this.disconnect(c, 'shutdown');
        }
        if (room.idleTimer) clearTimeout(room.idleTimer);
        room.idleTimer = null;
        await this.unload(room);
      }),
    );
    for (const ext of this.extensions) await ext.onDestroy?.();
  }
}
