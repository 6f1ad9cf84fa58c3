import {
  type PocCreateRequest,
  type PocEvent,
  type PocState,
  type PocUpdateRequest,
  type PocWriteResponse,
  encodeConsistencyToken,
  toRecordedPocEvent,
} from '@poc/contracts';
import { isDeepStrictEqual } from 'node:util';
import { type AppendContext, ConcurrencyError, type EventStore, PreconditionFailedError, type Principal, UnprocessableError } from '@poc/platform';
import { uuidv7 } from 'uuidv7';
import type { Actor } from './domain/commands.ts';
import { decide, evolve, initialState, pocVersion } from './domain/decider.ts';
import { changes, createData } from './domain/input.ts';
import { POC_ERR } from './errors.ts';
import { pocIdForKey } from './idempotency.ts';

/** Who asks, and the request's trace, for the events' envelopes. */
export interface CommandContext {
  readonly principal: Principal;
  readonly correlationId: string;
  readonly traceparent: string | null;
}

/** What a write answers: status, body, and the Consistency-Token naming the stream version it produced. */
export interface WriteOutcome {
  readonly statusCode: number;
  readonly body: PocWriteResponse | null;
  readonly consistencyToken: string;
  /** True when this is the stored answer of an earlier request with the same Idempotency-Key. */
  readonly replayed: boolean;
}

export const streamOf = (id: string) => `poc-${id}`;
const DELETE_ATTEMPTS = 3;

/**
 * The POC command side: load a stream, fold it, decide, append with the
 * version it was folded at. The decider holds the rules; this holds the I/O.
 */
export class PocCommands {
  constructor(private readonly store: EventStore) {}

  async load(tenantId: string, id: string): Promise<PocState> {
    const stored = await this.store.readStream(tenantId, streamOf(id));
    return stored.map(toRecordedPocEvent).reduce(evolve, initialState());
  }

  /**
   * `POST /v1/pocs`. With an Idempotency-Key the POC's id comes from the key,
   * so the create can happen once: a retry finds the stream taken and gets the
   * first answer back (if it asks the same thing, as the same user), or a 422.
   */
  async create(ctx: CommandContext, body: PocCreateRequest, idempotencyKey: string | null): Promise<WriteOutcome> {
    const data = createData(body);
    const events = decide({ type: 'CreatePoc', actor: actorOf(ctx), data }, initialState());
    const id = idempotencyKey === null ? uuidv7() : pocIdForKey(ctx.principal.tenantId, idempotencyKey);
    const stream = streamOf(id);
    try {
      const { version } = await this.store.append(stream, 'no_stream', events, appendContext(ctx));
      return { statusCode: 201, body: { id, version }, consistencyToken: encodeConsistencyToken({ stream, version }), replayed: false };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || idempotencyKey === null) throw error;
      return this.replayCreate(ctx, id, events);
    }
  }

  /** The answer of the create that took this key first, when the retry asks for the same thing. */
  private async replayCreate(ctx: CommandContext, id: string, events: readonly PocEvent[]): Promise<WriteOutcome> {
    const stream = streamOf(id);
    const stored = (await this.store.readStream(ctx.principal.tenantId, stream)).slice(0, events.length);
    const first = stored.map(toRecordedPocEvent);
    const same =
      first.length === events.length &&
      first.every((e, i) => e.actor === appendContext(ctx).actor && e.type === events[i]!.type && isDeepStrictEqual(e.data, events[i]!.data));
    if (!same) throw new UnprocessableError(POC_ERR.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was used for a different request.');
    const version = events.length;
    return { statusCode: 201, body: { id, version }, consistencyToken: encodeConsistencyToken({ stream, version }), replayed: true };
  }

  /** `PATCH /v1/pocs/:id` with `If-Match`: someone else's write in between is a 412, never a silent overwrite. */
  async update(ctx: CommandContext, id: string, body: PocUpdateRequest, ifMatch: number): Promise<WriteOutcome> {
    const wanted = changes(body);
    const state = await this.load(ctx.principal.tenantId, id);
    const events = decide({ type: 'UpdatePoc', actor: actorOf(ctx), expectedVersion: ifMatch, changes: wanted }, state);
    const stream = streamOf(id);
    let version = pocVersion(state);
    if (events.length > 0) {
      try {
        ({ version } = await this.store.append(stream, version, events, appendContext(ctx)));
      } catch (error) {
        if (error instanceof ConcurrencyError) {
          throw new PreconditionFailedError(POC_ERR.VERSION_MISMATCH, `The POC moved on from version ${ifMatch}; read it again and reapply your change.`, { cause: error });
        }
        throw error;
      }
    }
    return { statusCode: 200, body: { id, version }, consistencyToken: encodeConsistencyToken({ stream, version }), replayed: false };
  }

  /** `DELETE /v1/pocs/:id`, conditional when `If-Match` is given; else retried over concurrent writes. */
  async remove(ctx: CommandContext, id: string, ifMatch: number | null): Promise<WriteOutcome> {
    const stream = streamOf(id);
    for (let attempt = 1; ; attempt++) {
      const state = await this.load(ctx.principal.tenantId, id);
      const events = decide({ type: 'DeletePoc', actor: actorOf(ctx), expectedVersion: ifMatch }, state);
      try {
        const { version } = await this.store.append(stream, pocVersion(state), events, appendContext(ctx));
        return { statusCode: 204, body: null, consistencyToken: encodeConsistencyToken({ stream, version }), replayed: false };
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        if (ifMatch !== null) {
          throw new PreconditionFailedError(POC_ERR.VERSION_MISMATCH, `The POC moved on from version ${ifMatch}.`, { cause: error });
        }
        if (attempt >= DELETE_ATTEMPTS) throw new ConcurrencyError(POC_ERR.CONTENDED, 'The POC kept changing while it was being deleted; retry.', { cause: error });
      }
    }
  }
}

const actorOf = (ctx: CommandContext): Actor => ({ userId: ctx.principal.userId, roles: ctx.principal.roles });
const appendContext = (ctx: CommandContext): AppendContext => ({
  tenantId: ctx.principal.tenantId,
  actor: `user:${ctx.principal.userId}`,
  correlationId: ctx.correlationId,
  causationId: null,
  traceparent: ctx.traceparent,
});
