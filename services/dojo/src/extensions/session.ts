import type { DojoCommand, DojoState } from '../domain/dojo.ts';
import { sessionOf, writeSession } from '../domain/session.ts';
import type { DojoRepository, Executed } from '../store/dojos.ts';
import type { SyncLogger, SyncServer } from '../sync/sync-server.ts';
import type { ConnectionContext, Extension, RoomHandle, RoomKey } from '../sync/types.ts';

const MAX_COMMANDS = 4;

/**
 * The dojo's life seen from its room: the first connection of a user is
 * `dojo.participant_joined` (and starts the dojo), the last one closing is
 * `dojo.participant_left`; the pilot rotates on schedule while the room is
 * open here. After each change the session (`doc.getMap('session')`) is
 * rewritten so every client shows the same pilot and countdown. Concurrent
 * processes are safe: the decider rotates only when due, and the event store
 * refuses the second of two concurrent appends (retried on fresh state).
 */
export class SessionExtension implements Extension {
  readonly name = 'session';
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private server: SyncServer | undefined;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly deps: { dojos: DojoRepository; logger?: SyncLogger }) {}

  /** The server whose rooms this extension writes to (set once it exists). */
  attach(server: SyncServer): void {
    this.server = server;
  }

  async onLoadDocument(room: RoomHandle): Promise<void> {
    const { state } = await this.deps.dojos.load(room.tenantId, room.dojoId);
    if (state.status === 'ended') room.setReadOnly();
    this.schedule(room, state);
  }

  async onConnect(room: RoomHandle, ctx: ConnectionContext): Promise<void> {
    if (room.connectionsOf(ctx.userId) !== 1) return;
    await this.run(room, { type: 'join', userId: ctx.userId, displayName: ctx.displayName, observer: ctx.readOnly, now: new Date() }, `user:${ctx.userId}`);
  }

  async onDisconnect(room: RoomHandle, ctx: ConnectionContext, reason: 'client' | 'shutdown'): Promise<void> {
    // A restart closes every socket; the clients come back, so nobody left.
    if (reason === 'shutdown' || room.connectionsOf(ctx.userId) !== 0) return;
    await this.run(room, { type: 'leave', userId: ctx.userId, now: new Date() }, `user:${ctx.userId}`);
  }

  async onUnload(room: RoomHandle): Promise<void> {
    // Commands still running for this dojo finish on their own (they reopen the room to show their result).
    clearTimeout(this.timers.get(room.dojoId));
    this.timers.delete(room.dojoId);
  }

  async onDestroy(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    // Commands already asked for (a leave from a socket that closed just before the shutdown) are recorded
    // before the service lets its database go.
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  /** Run a command for a room, one at a time per dojo, then show the result in the document. */
  private run(key: RoomKey, command: DojoCommand, actor: string): Promise<Executed> {
    const previous = this.chains.get(key.dojoId) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.slot())
      .then(async (release) => {
        try {
          const executed = await this.deps.dojos.execute(key.tenantId, key.dojoId, command, actor);
          if (executed.appended > 0) await this.show(key, executed.state);
          return executed;
        } finally {
          release();
        }
      });
    this.chains.set(key.dojoId, next);
    const forget = () => {
      if (this.chains.get(key.dojoId) === next) this.chains.delete(key.dojoId);
    };
    next.then(forget, forget);
    return next;
  }

  /**
   * A turn among the session commands in flight (at most `MAX_COMMANDS`): a
   * crowd joining at once must not take every database connection from the
   * document appends, which everyone's typing waits on.
   */
  private slot(): Promise<() => void> {
    const release = () => {
      const wake = this.waiting.shift();
      if (wake) wake();
      else this.active--;
    };
    if (this.active < MAX_COMMANDS) {
      this.active++;
      return Promise.resolve(release);
    }
    return new Promise((resolve) => this.waiting.push(() => resolve(release)));
  }

  /** After a command changed the dojo (here or through HTTP): session in the document, read-only when ended, next rotation. */
  async show(key: RoomKey, state: DojoState): Promise<void> {
    const server = this.server;
    if (!server) return;
    await server.change(key, (doc) => writeSession(doc, sessionOf(state)));
    if (state.status === 'ended') server.setReadOnly(key.dojoId);
    const room = server.room(key.dojoId);
    if (room) this.schedule(room, state);
  }

  private schedule(room: RoomHandle, state: DojoState): void {
    clearTimeout(this.timers.get(room.dojoId));
    this.timers.delete(room.dojoId);
    if (state.status !== 'live' || state.rotationEndsAt === null) return;
    const delay = Math.max(0, Date.parse(state.rotationEndsAt) - Date.now());
    const timer = setTimeout(() => {
      this.timers.delete(room.dojoId);
      if (this.server?.room(room.dojoId) !== room) return;
      this.run(room, { type: 'rotate', now: new Date() }, 'system:dojo-rotation')
        .then((executed) => {
          // Another process rotated first: follow its schedule.
          if (executed.appended === 0 && this.server?.room(room.dojoId) === room) this.schedule(room, executed.state);
        })
        .catch((error: unknown) => this.deps.logger?.warn({ err: error, dojoId: room.dojoId }, 'pilot rotation failed'));
    }, Math.min(delay, 2_147_000_000));
    timer.unref();
    this.timers.set(room.dojoId, timer);
  }
}
