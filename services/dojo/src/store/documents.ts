import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import * as Y from 'yjs';
import { DOC } from '@poc/contracts/dojo';
import { APP_ROLE, withTenant } from '@poc/platform';

import type { RoomKey } from '../sync/types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Which write of a dojo's snapshot row this is: the transaction that wrote it, and when. */
const SNAPSHOT_VERSION = sql<string>`(dojo.snapshots.xmin::text || '/' || dojo.snapshots.updated_at::text)`;
/** A batch this large is due within `batchMs` whoever waits for it: statements stay small. */
const MAX_LAZY_ROWS = 500;

/** One tenant's appends that commit together; every one of them waits on the same promise. */
interface Batch {
  readonly tenantId: string;
  readonly rows: { readonly dojoId: string; readonly data: Uint8Array }[];
  readonly committed: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/** A live document to compact from (a room): `applyStored` applies updates the store already holds to it. */
export interface CompactInto {
  readonly doc: Y.Doc;
  /** False when the document cannot take them (the room was dropped): the compaction folds into a fresh one. */
  applyStored(updates: readonly Uint8Array[]): boolean;
}

export interface CompactionResult {
  readonly bytes: number;
  readonly updates: number;
  readonly textLength: number;
}

/**
 * A dojo document in PostgreSQL: every update appended as it arrives
 * (`dojo.updates`), folded into one snapshot (`dojo.snapshots`) by
 * compaction. A document is its snapshot plus every update row left, so a row
 * is deleted only by the compaction that folded it in.
 */
export class DocumentStore {
  /** The batches being filled, per tenant (row-level security scopes a statement to one tenant). */
  private pending = new Map<string, Batch>();
  /** Rows in `pending`. */
  private pendingRows = 0;
  /** When the pending batches are due (performance.now()): the earliest due of their appends. */
  private due = Infinity;
  private running = 0;
  private readonly idle = new Set<() => void>();

  private timer: NodeJS.Timeout | null = null;
  /** When the timer fires (performance.now()). */
  private timerAt = Infinity;
  /** This store's id on the rows it writes (one per process): its compactions fold them without reading them back. */
  readonly writer: string;

  /**
   * `concurrency`: commits in flight at once; appends arriving meanwhile go
   * together in the next one. `batchMs`: how long the first append of a batch
   * waits for company when someone waits for its commit (the author's echo,
   * other processes). `lazyBatchMs` (default `batchMs`): how long an append
   * nobody waits for may wait; an urgent append takes the whole batch along
   * with it. Fewer, larger commits: each one costs this process and
   * PostgreSQL a round trip whatever its size.
   */
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly options: { concurrency?: number; batchMs?: number; lazyBatchMs?: number; writer?: string } = {},
  ) {
    this.writer = options.writer ?? randomUUID();
    if (!UUID.test(this.writer)) throw new Error('a document writer is a UUID');
  }

  /**
   * Append an update; resolves once it is committed. Appends arriving while
   * commits are running go together in the next one (group commit). `urgent`
   * (the default): someone waits for this commit, it is due within `batchMs`;
   * otherwise within `lazyBatchMs`.
   */
  append(key: RoomKey, data: Uint8Array, urgent = true): Promise<void> {
    let batch = this.pending.get(key.tenantId);
    if (!batch) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const committed = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = { tenantId: key.tenantId, rows: [], committed, resolve, reject };
      this.pending.set(key.tenantId, batch);
    }
    batch.rows.push({ dojoId: key.dojoId, data });
    this.pendingRows++;
    const wait = urgent || this.pendingRows >= MAX_LAZY_ROWS ? (this.options.batchMs ?? 0) : (this.options.lazyBatchMs ?? this.options.batchMs ?? 0);
    // Only an earlier deadline moves the timer: most appends of a batch do not touch it.
    const due = performance.now() + wait;
    if (due < this.due) {
      this.due = due;
      this.schedule();
    }
    return batch.committed;
  }

  private schedule(): void {
    if (this.pending.size === 0 || this.running >= (this.options.concurrency ?? 4)) return;
    if (this.timer) {
      if (this.timerAt <= this.due) return;
      clearTimeout(this.timer);
      this.timer = null;
    }
    const delay = this.due - performance.now();
    if (delay <= 0) {
      void this.flush();
      return;
    }
    this.timerAt = this.due;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }

  private async flush(): Promise<void> {
    this.running++;
    try {
      const batches = [...this.pending.values()];
      this.pending = new Map();
      this.pendingRows = 0;
      this.due = Infinity;
      await Promise.all(batches.map((batch) => this.insert(batch)));
    } finally {
      this.running--;
      this.schedule();
      if (this.running === 0 && this.pending.size === 0 && !this.timer) {
        for (const wake of this.idle) wake();
        this.idle.clear();
      }
    }
  }

  private async insert(batch: Batch): Promise<void> {
    const { tenantId, rows: items } = batch;
    try {
      // The hot path, one round trip per batch: a multi-statement simple query runs as one implicit
      // transaction, so the tenant scope (row-level security as `withTenant` sets it) and the insert
      // commit together. Every value is inlined from checked forms only: UUIDs and hex.
      if (!UUID.test(tenantId) || items.some((i) => !UUID.test(i.dojoId))) throw new Error('dojo update keys must be UUIDs');
      const rows = items.map((i) => `('${tenantId}','${i.dojoId}','\\x${Buffer.from(i.data.buffer, i.data.byteOffset, i.data.byteLength).toString('hex')}'::bytea,'${this.writer}')`);
      await sql
        .raw(
          `select set_config('app.tenant_id', '${tenantId}', true), set_config('app.system', 'off', true), set_config('role', '${APP_ROLE}', true);
           insert into dojo.updates (tenant_id, dojo_id, data, writer) values ${rows.join(',')};`,
        )
        .execute(this.db);
      batch.resolve();
    } catch (error) {
      batch.reject(error);
    }
  }

  /** Wait until every append so far is committed (or failed): what waits lazily is due now. */
  async drain(): Promise<void> {
    if (this.pending.size > 0 && this.due > performance.now()) {
      this.due = performance.now();
      this.schedule();
    }
    while (this.running > 0 || this.pending.size > 0 || this.timer) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  /**
   * Snapshot and updates in ONE statement: two reads under READ COMMITTED could straddle a
   * compaction (old snapshot, then the rows it already deleted) and miss both.
   */
  private async read(key: RoomKey): Promise<{ data: Buffer; at: Date }[]> {
    return withTenant(this.db, key.tenantId, async (trx) => {
      const result = await sql<{ data: Buffer; at: Date }>`
        select data, at from (
          select 0 as kind, 0::bigint as seq, state as data, updated_at as at from dojo.snapshots where dojo_id = ${key.dojoId}
          union all
          select 1, seq, data, created_at from dojo.updates where dojo_id = ${key.dojoId}
        ) parts order by kind, seq`.execute(trx);
      return result.rows;
    });
  }

  /** The stored document: snapshot first, then the updates left, in order. */
  async load(key: RoomKey): Promise<Uint8Array[]> {
    return (await this.read(key)).map((r) => new Uint8Array(r.data));
  }

  /** The current text of the shared code and when it last changed (null when never edited). */
  async text(key: RoomKey): Promise<{ code: string; updatedAt: Date | null }> {
    const parts = await this.read(key);
    const doc = new Y.Doc();
    let updatedAt: Date | null = null;
    doc.transact(() => {
      for (const part of parts) {
        Y.applyUpdate(doc, part.data);
        if (!updatedAt || part.at > updatedAt) updatedAt = part.at;
      }
    });
    const code = doc.getText(DOC.CODE).toString();
    doc.destroy();
    return { code, updatedAt };
  }

  /**
   * Fold every stored update into the snapshot. Runs under a per-dojo advisory
   * lock (skips when another process holds it); null when there was nothing to fold.
   *
   * `into`: the room's live document. What the store holds is applied to it (it
   * normally holds all of it already; what it lacked reaches its clients), and
   * its state becomes the snapshot: the rows are not integrated into a fresh
   * document again, and the stored snapshot is read only when it changed since
   * `known` (the `version` this returned last time).
   */
  async compact(key: RoomKey, into?: CompactInto, known?: string): Promise<(CompactionResult & { version: string }) | null> {
    return withTenant(this.db, key.tenantId, async (trx) => {
      const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtext(${`dojo-compact-${key.dojoId}`})) as ok`.execute(trx);
      if (!lock.rows[0]?.ok) return null;
      // With the live document, the rows this store wrote are not read back: the room applied them before storing them.
      const own = into ? this.writer : null;
      const updates = await sql<{ seq: number; data: Buffer | null }>`
        select seq, case when writer = ${own}::uuid then null else data end as data from dojo.updates where dojo_id = ${key.dojoId} order by seq`.execute(trx);
      if (updates.rows.length === 0) return null;
      // The row's version is the transaction that wrote it (xmin) and when: unchanged, the live document holds it.
      const snapshot = await sql<{ state: Buffer | null }>`
        select case when ${SNAPSHOT_VERSION} = ${(into && known) || ''} then null else state end as state from dojo.snapshots where dojo_id = ${key.dojoId}`.execute(trx);
      let rows: Uint8Array[] = [];
      for (const r of updates.rows) if (r.data) rows.push(r.data);
      let base: Uint8Array | null = snapshot.rows[0]?.state ?? null;
      let state: Uint8Array;
      let textLength: number;
      if (into && into.applyStored(base ? [base, ...rows] : rows)) {
        state = Y.encodeStateAsUpdate(into.doc);
        textLength = into.doc.getText(DOC.CODE).length;
      } else {
        // A fresh document, from the whole stored snapshot and every row read.
        if (snapshot.rows.length > 0 && !base) {
          base = (await sql<{ state: Buffer }>`select state from dojo.snapshots where dojo_id = ${key.dojoId}`.execute(trx)).rows[0]!.state;
        }
        if (rows.length < updates.rows.length) {
          const seqs = updates.rows.map((r) => r.seq);
          rows = (await sql<{ data: Buffer }>`select data from dojo.updates where dojo_id = ${key.dojoId} and seq = any(${seqs}::bigint[]) order by seq`.execute(trx)).rows.map((r) => r.data);
        }
        const doc = new Y.Doc();
        doc.transact(() => {
          if (base) Y.applyUpdate(doc, base);
          for (const row of rows) Y.applyUpdate(doc, row);
        });
        state = Y.encodeStateAsUpdate(doc);
        textLength = doc.getText(DOC.CODE).length;
        doc.destroy();
      }
      const written = await sql<{ version: string }>`
        insert into dojo.snapshots (tenant_id, dojo_id, state, text_length, updates_compacted, updated_at)
        values (${key.tenantId}, ${key.dojoId}, ${Buffer.from(state)}, ${textLength}, ${updates.rows.length}, now())
        on conflict (dojo_id) do update set state = excluded.state, text_length = excluded.text_length,
          updates_compacted = dojo.snapshots.updates_compacted + excluded.updates_compacted, updated_at = excluded.updated_at
        returning ${SNAPSHOT_VERSION} as version`.execute(trx);
      // Only the rows read above: one that commits later (a lower seq from a slower transaction) stays for the next compaction.
      await sql`delete from dojo.updates where dojo_id = ${key.dojoId} and seq = any(${updates.rows.map((r) => r.seq)}::bigint[])`.execute(trx);
      return { bytes: state.byteLength, updates: updates.rows.length, textLength, version: written.rows[0]!.version };
    });
  }

  /** Insert an update inside a caller's transaction (a new dojo's starter document). */
  static async insertIn(trx: Kysely<unknown>, key: RoomKey, data: Uint8Array): Promise<void> {
    await sql`insert into dojo.updates (tenant_id, dojo_id, data) values (${key.tenantId}, ${key.dojoId}, ${Buffer.from(data)})`.execute(trx);
  }
}
