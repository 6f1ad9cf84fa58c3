import type { Kysely, Transaction } from 'kysely';
import type { HistoryEvent } from '@poc/platform';

/** Which tenants a rebuild covers: all of them (default) or one. */
export interface RebuildScope {
  readonly tenantId?: string;
}

/**
 * A projection: how events become read-model rows (and index entries).
 * The runtime (`Projector`) calls `apply` inside the transaction that also
 * stores its checkpoint, so a batch is applied exactly once in effect; `apply`
 * must still skip what it already has (by aggregate version), because a
 * delivery can come twice and a rebuild's catch-up overlaps the live stream.
 *
 * Rebuilds go to a fresh target (`createTarget`: new tables, new indexes),
 * filled from position zero by `apply(…, target)`, then made live in one
 * transaction by `swap` while the live projector waits on the projection lock.
 *
 * @example
 * const counts: Projection<string> = {
 *   name: 'poc-counts', topics: ['pocs.events.v1'],
 *   apply: async (trx, events, target) => { ... insert into ${target ?? 'counts'} ... },
 *   createTarget: async (db) => { ... return 'counts_r1'; }, swap: ..., dropTarget: ...,
 * };
 */
export interface Projection<T> {
  readonly name: string;
  readonly topics: readonly string[];
  /**
   * Apply events (log order, in order per aggregate) to the live read model (`target` null) or to a
   * rebuild's. What a fold reads of them (`HistoryEvent`): live deliveries carry the whole envelope, a
   * rebuild's history scan only that.
   */
  apply(trx: Transaction<unknown>, events: readonly HistoryEvent[], target: T | null): Promise<void>;
  createTarget(db: Kysely<unknown>, scope: RebuildScope): Promise<T>;
  /** Optional: once the bulk of the history is in, make the target ready for live traffic (indexes...) before the brief locked swap. */
  prepare?(db: Kysely<unknown>, target: T): Promise<void>;
  /** Make `target` live (the runtime holds the projection lock). */
  swap(trx: Transaction<unknown>, target: T): Promise<void>;
  dropTarget(db: Kysely<unknown>, target: T): Promise<void>;
}
