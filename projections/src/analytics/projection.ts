import { type Kysely, type Transaction } from 'kysely';
import { type DojoFacts, type PocState, evolveDojoFacts, evolvePoc, pocVersion, toRecordedPocEvent } from '@poc/contracts';
import { type EventStore, type HistoryEvent, tenantSchemaName } from '@poc/platform';
import type { Projection, RebuildScope } from '../runtime/projection.ts';
import { registeredTenants } from '../runtime/store.ts';
import {
  ANALYTICS_DOJOS,
  ANALYTICS_POCS,
  createAnalyticsTables,
  dropAnalyticsTables,
  loadAnalyticsDojos,
  loadAnalyticsPocs,
  provisionAnalytics,
  saveAnalyticsDojos,
  saveAnalyticsPocs,
  swapAnalyticsTables,
} from './tables.ts';

/** Where a rebuild writes: the tenants' tables with this suffix. */
export interface AnalyticsRebuildTarget {
  readonly suffix: string;
  readonly tenants: Set<string>;
}

export interface AnalyticsProjectionDeps {
  readonly db: Kysely<unknown>;
  /** To fill a gap in a stream (a missed delivery) from the store before applying what follows it. */
  readonly store: EventStore;
}

/** How one kind of stream folds: its version, its evolve, its stream name. */
interface Folder<S> {
  readonly stream: (id: string) => string;
  readonly version: (state: S) => number;
  readonly evolve: (state: S, event: HistoryEvent) => S;
}

/**
 * Fold each aggregate's events into its state, skipping what the state
 * already has (by aggregate version: a redelivery, a rebuild's overlap) and
 * pulling a gap from the store first. Returns the aggregates that changed.
 */
async function foldStreams<S>(
  store: EventStore,
  tenantId: string,
  events: readonly HistoryEvent[],
  states: Map<string, S>,
  folder: Folder<S>,
): Promise<Set<string>> {
  const changed = new Set<string>();
  const fold = (event: HistoryEvent) => {
    states.set(event.aggregateId, folder.evolve(states.get(event.aggregateId)!, event));
    changed.add(event.aggregateId);
  };
  for (const event of events) {
    const current = folder.version(states.get(event.aggregateId)!);
    if (event.aggregateVersion <= current) continue;
    if (event.aggregateVersion > current + 1) {
      const missing = await store.readStream(tenantId, folder.stream(event.aggregateId), { fromVersion: current + 1 });
      for (const m of missing) if (m.aggregateVersion < event.aggregateVersion) fold(m);
      if (folder.version(states.get(event.aggregateId)!) !== event.aggregateVersion - 1) {
        throw new Error(`${folder.stream(event.aggregateId)}: version ${event.aggregateVersion} arrived but the store has no version ${current + 1}`);
      }
    }
    fold(event);
  }
  return changed;
}

const pocFolder: Folder<PocState> = {
  stream: (id) => `poc-${id}`,
  version: pocVersion,
  evolve: (state, event) => evolvePoc(state, toRecordedPocEvent(event)),
};

// An absent dojo is the facts at version 0; evolveDojoFacts fills them in from its first event.
const NO_DOJO = (id: string): DojoFacts => ({ id, version: 0, language: '', createdAt: '', startedAt: null, endedAt: null, participants: [] });
const dojoFolder: Folder<DojoFacts> = {
  stream: (id) => `dojo-${id}`,
  version: (facts) => facts.version,
  evolve: (facts, event) => evolveDojoFacts(facts.version === 0 ? null : facts, event),
};

/** Ids of the aggregates whose first event here is not their first one: only those have a row to read. */
const existingIds = (events: readonly HistoryEvent[]) => {
  const first = new Map<string, number>();
  for (const e of events) if (!first.has(e.aggregateId)) first.set(e.aggregateId, e.aggregateVersion);
  return { all: [...first.keys()], stored: [...first].filter(([, v]) => v !== 1).map(([id]) => id) };
};

/**
 * The analytics projection (`analytics`): POC events folded with `evolvePoc`
 * and dojo events with `evolveDojoFacts` into each tenant's `analytics_pocs`
 * and `analytics_dojos`, which the reports service groups by month, language,
 * tag, status, member and period. Idempotent by aggregate version, like the
 * POC projection; rebuildable from position zero into suffixed tables that a
 * swap makes live.
 */
export function analyticsProjection(deps: AnalyticsProjectionDeps): Projection<AnalyticsRebuildTarget> {
  const provisioned = new Set<string>();
  const ensureLive = async (tenantId: string) => {
    if (provisioned.has(tenantId)) return;
    await provisionAnalytics(deps.db, tenantId);
    provisioned.add(tenantId);
  };
  const ensureTarget = async (target: AnalyticsRebuildTarget, tenantId: string) => {
    if (target.tenants.has(tenantId)) return;
    // A tenant that first appears during the rebuild needs live tables to swap with.
    await ensureLive(tenantId);
    await createAnalyticsTables(deps.db, tenantSchemaName(tenantId), target.suffix);
    target.tenants.add(tenantId);
  };

  return {
    name: 'analytics',
    topics: ['pocs.events.v1', 'dojos.events.v1'],

    async apply(trx: Transaction<unknown>, events: readonly HistoryEvent[], target: AnalyticsRebuildTarget | null): Promise<void> {
      const byTenant = new Map<string, { pocs: HistoryEvent[]; dojos: HistoryEvent[] }>();
      for (const event of events) {
        const kind = event.type.startsWith('poc.') ? 'pocs' : event.type.startsWith('dojo.') ? 'dojos' : null;
        if (!kind) continue;
        const lists = byTenant.get(event.tenantId) ?? { pocs: [], dojos: [] };
        lists[kind].push(event);
        byTenant.set(event.tenantId, lists);
      }
      for (const [tenantId, lists] of byTenant) {
        if (target) await ensureTarget(target, tenantId);
        else await ensureLive(tenantId);
        const schema = tenantSchemaName(tenantId);
        const suffix = target?.suffix ?? '';
        if (lists.pocs.length > 0) {
          const table = `${ANALYTICS_POCS}${suffix}`;
          const ids = existingIds(lists.pocs);
          const rows = await loadAnalyticsPocs(trx, schema, table, ids.stored);
          const states = new Map<string, PocState>(ids.all.map((id) => [id, rows.get(id) ?? { kind: 'absent' }]));
          const changed = await foldStreams(deps.store, tenantId, lists.pocs, states, pocFolder);
          await saveAnalyticsPocs(trx, schema, table, [...changed].map((id) => states.get(id)!));
        }
        if (lists.dojos.length > 0) {
          const table = `${ANALYTICS_DOJOS}${suffix}`;
          const ids = existingIds(lists.dojos);
          const rows = await loadAnalyticsDojos(trx, schema, table, ids.stored);
          const states = new Map<string, DojoFacts>(ids.all.map((id) => [id, rows.get(id) ?? NO_DOJO(id)]));
          const changed = await foldStreams(deps.store, tenantId, lists.dojos, states, dojoFolder);
          await saveAnalyticsDojos(trx, schema, table, [...changed].map((id) => states.get(id)!));
        }
      }
    },

    async createTarget(db: Kysely<unknown>, scope: RebuildScope): Promise<AnalyticsRebuildTarget> {
      const target: AnalyticsRebuildTarget = { suffix: `_r${Date.now().toString(36)}`, tenants: new Set() };
      const tenants = scope.tenantId ? [scope.tenantId] : await registeredTenants(db);
      for (const tenantId of tenants) await ensureTarget(target, tenantId);
      return target;
    },

    async swap(trx: Transaction<unknown>, target: AnalyticsRebuildTarget): Promise<void> {
      for (const tenantId of target.tenants) await swapAnalyticsTables(trx, tenantSchemaName(tenantId), target.suffix);
    },

    async dropTarget(db: Kysely<unknown>, target: AnalyticsRebuildTarget): Promise<void> {
      for (const tenantId of target.tenants) await dropAnalyticsTables(db, tenantSchemaName(tenantId), target.suffix);
    },
  };
}
