import type { AppendContext, HistoryEvent, NewEvent, StoredEvent } from './events.ts';

/** Expected stream version for an append: a number, `'no_stream'`, or `'any'`. */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface AppendResult {
  /** The stream's version after the append. */
  readonly version: number;
  readonly events: readonly StoredEvent[];
}

/**
 * The append-only event store: streams per aggregate, optimistic concurrency,
 * a global log readable from any cursor, and tenant isolation.
 *
 * @example
 * const { version } = await store.append('poc-123', 'no_stream', [created], ctx);
 * const events = await store.readStream(ctx.tenantId, 'poc-123');
 */
export interface EventStore {
  /**
   * Append events to a stream atomically (with their outbox rows). Throws
   * `ConcurrencyError` when `expected` does not match the stream's version.
   */
  append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], context: AppendContext): Promise<AppendResult>;
  /** A tenant's stream, in version order; empty when it does not exist or belongs to another tenant. */
  readStream(tenantId: string, streamId: string, options?: { fromVersion?: number }): Promise<StoredEvent[]>;
  /**
   * The global log after `after` (exclusive; `null` = from the start), in
   * commit-safe order: an event is only returned once nothing before it can
   * still appear. Optionally one tenant only, and only up to an instant.
   */
  readAll(after: string | null, options?: { limit?: number; tenantId?: string; until?: Date }): Promise<StoredEvent[]>;
  /**
   * One tenant's history for a replay (an as-of summary, a projection rebuild):
   * every event of the tenant that occurred up to `until`, in the order it was
   * appended (so each stream in version order), read in one scan from one
   * snapshot and handed to `onBatch` in batches of `batchSize` (the next batch
   * is read while `onBatch` runs; a promise it returns is awaited first). Only
   * what a fold needs is read (`HistoryEvent`). Resolves with the number of
   * events and `cursor`: the position of the global log the history covers, so
   * `readAll(cursor, { tenantId })` returns exactly what it left out (events
   * committed since the scan began).
   *
   * @example
   * const { events } = await store.readHistory(tenantId, { until: asOf }, (batch) => { for (const e of batch) fold(e); });
   */
  readHistory(
    tenantId: string,
    options: { until?: Date; batchSize?: number },
    onBatch: (events: readonly HistoryEvent[]) => void | Promise<void>,
  ): Promise<{ events: number; cursor: string }>;
  /** Resolve when there may be new events (or after `timeoutMs`). */
  waitForEvents(timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

/** Order two cursors of the global log: negative when `a` comes first. */
export function compareCursors(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const [at = 0, ap = 0] = a.split(':').map(Number);
  const [bt = 0, bp = 0] = b.split(':').map(Number);
  return at !== bt ? at - bt : ap - bp;
}
