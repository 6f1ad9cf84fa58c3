import { type Kysely, type Transaction, sql } from 'kysely';
import { type Poc, type PocState, evolvePoc, pocVersion, toRecordedPocEvent } from '@poc/contracts';
import { type EventStore, type HistoryEvent, type SearchDocument, type SearchPort, tenantSchemaName } from '@poc/platform';
import type { Projection, RebuildScope } from '../runtime/projection.ts';
import { registeredTenants } from '../runtime/store.ts';
import { POCS_TABLE, createPocTable, loadPocRows, provisionPocReadModel, savePocRows, stateOf } from './read-model.ts';

/** Where a rebuild writes, per tenant: a fresh read-model table and a fresh search index. */
export interface PocRebuildTarget {
  readonly suffix: string;
  readonly tenants: Map<string, { readonly table: string; readonly index: string }>;
}

export interface PocProjectionDeps {
  readonly db: Kysely<unknown>;
  readonly search: SearchPort;
  /** To fill a gap in a stream (a missed delivery) from the store before applying what follows it. */
  readonly store: EventStore;
}

const toDocument = (poc: Poc): SearchDocument => ({
  id: poc.id,
  name: poc.name,
  description: poc.description,
  languages: poc.languages,
  tags: poc.tags,
  repoUrl: poc.repoUrl,
  status: poc.status,
  createdBy: poc.createdBy,
  createdAt: poc.createdAt,
  updatedAt: poc.updatedAt,
  startedAt: poc.startedAt,
  finishedAt: poc.finishedAt,
  version: poc.version,
});

/**
 * The POC read model and search index: folds each POC's events with
 * `evolvePoc` (upcast first, so any stored version replays) into
 * `tenant_<id>.pocs`, and indexes the result through the search port. An event
 * at or below a POC's stored version is skipped (duplicate delivery, rebuild
 * overlap); one beyond the next version first pulls the missing events from
 * the store. The search index is written before the read model commits: a
 * read that waits until the read model has a version (Consistency-Token) finds
 * it searchable too.
 */
export function pocProjection(deps: PocProjectionDeps): Projection<PocRebuildTarget> {
  const provisioned = new Set<string>();
  const ensureLive = async (tenantId: string) => {
    if (provisioned.has(tenantId)) return;
    await provisionPocReadModel(deps.db, tenantId);
    await deps.search.provisionTenant(tenantId);
    provisioned.add(tenantId);
  };
  const ensureTarget = async (target: PocRebuildTarget, tenantId: string) => {
    const existing = target.tenants.get(tenantId);
    if (existing) return existing;
    // A tenant that first appears during the rebuild: it needs a live read model to swap with.
    await ensureLive(tenantId);
    const table = `${POCS_TABLE}_${target.suffix}`;
    await createPocTable(deps.db, tenantSchemaName(tenantId), table);
    const created = { table, index: await deps.search.createIndex(tenantId) };
    target.tenants.set(tenantId, created);
    return created;
  };

  return {
    name: 'pocs',
    topics: ['pocs.events.v1'],

    async apply(trx: Transaction<unknown>, events: readonly HistoryEvent[], target: PocRebuildTarget | null): Promise<void> {
      const byTenant = new Map<string, HistoryEvent[]>();
      for (const event of events) {
        if (!event.type.startsWith('poc.')) continue;
        const list = byTenant.get(event.tenantId) ?? [];
        list.push(event);
        byTenant.set(event.tenantId, list);
      }
      for (const [tenantId, tenantEvents] of byTenant) {
        const where = target ? await ensureTarget(target, tenantId) : (await ensureLive(tenantId), { table: POCS_TABLE, index: undefined });
        const ids = [...new Set(tenantEvents.map((e) => e.aggregateId))];
        // A POC whose first event here is its creation has no row yet: only the others are read.
        const first = new Map<string, number>();
        for (const e of tenantEvents) if (!first.has(e.aggregateId)) first.set(e.aggregateId, e.aggregateVersion);
        const rows = await loadPocRows(trx, tenantId, ids.filter((id) => first.get(id) !== 1), where.table);
        const states = new Map<string, PocState>(ids.map((id) => [id, stateOf(rows.get(id))]));
        const changed = new Set<string>();
        const fold = (event: HistoryEvent) => {
          const state = states.get(event.aggregateId)!;
          states.set(event.aggregateId, evolvePoc(state, toRecordedPocEvent(event)));
          changed.add(event.aggregateId);
        };
        for (const event of tenantEvents) {
          const current = pocVersion(states.get(event.aggregateId)!);
          if (event.aggregateVersion <= current) continue;
          if (event.aggregateVersion > current + 1) {
            const missing = await deps.store.readStream(tenantId, `poc-${event.aggregateId}`, { fromVersion: current + 1 });
            for (const m of missing) if (m.aggregateVersion < event.aggregateVersion) fold(m);
            if (pocVersion(states.get(event.aggregateId)!) !== event.aggregateVersion - 1) {
              throw new Error(`poc-${event.aggregateId}: version ${event.aggregateVersion} arrived but the store has no version ${current + 1}`);
            }
          }
          fold(event);
        }
        const finals = [...changed].map((id) => states.get(id)!);
        const live = finals.filter((s) => s.kind === 'active').map((s) => toDocument(s.poc));
        const gone = finals.filter((s) => s.kind === 'deleted').map((s) => s.poc.id);
        const options = where.index ? { index: where.index } : {};
        // The index (its own connection) and the read model (this transaction) are written side by side;
        // the transaction commits after both, so the index is never behind a committed row.
        await Promise.all([
          (async () => {
            await deps.search.upsert(tenantId, live, options);
            await deps.search.remove(tenantId, gone, options);
          })(),
          savePocRows(trx, tenantId, finals, where.table),
        ]);
      }
    },

    async createTarget(db: Kysely<unknown>, scope: RebuildScope): Promise<PocRebuildTarget> {
      const target: PocRebuildTarget = { suffix: `r${Date.now().toString(36)}`, tenants: new Map() };
      const tenants = scope.tenantId ? [scope.tenantId] : await registeredTenants(db);
      for (const tenantId of tenants) await ensureTarget(target, tenantId);
      return target;
    },

    async prepare(_db: Kysely<unknown>, target: PocRebuildTarget): Promise<void> {
      for (const [tenantId, { index }] of target.tenants) await deps.search.prepareIndex(tenantId, index);
    },

    async swap(trx: Transaction<unknown>, target: PocRebuildTarget): Promise<void> {
      for (const [tenantId, { table, index }] of target.tenants) {
        await deps.search.swapIndex(tenantId, index);
        const schema = tenantSchemaName(tenantId);
        await sql`lock table ${sql.id(schema, POCS_TABLE)} in access exclusive mode`.execute(trx);
        await sql`drop table ${sql.id(schema, POCS_TABLE)}`.execute(trx);
        await sql`alter table ${sql.id(schema, table)} rename to ${sql.id(POCS_TABLE)}`.execute(trx);
      }
    },

    async dropTarget(db: Kysely<unknown>, target: PocRebuildTarget): Promise<void> {
      for (const [tenantId, { table, index }] of target.tenants) {
        await sql`drop table if exists ${sql.id(tenantSchemaName(tenantId), table)}`.execute(db);
        await deps.search.dropIndex(tenantId, index).catch(() => undefined);
      }
    },
  };
}
