import { type DojoFacts, type Poc, type PocState, evolveDojoFacts, evolvePoc, pocVersion, toRecordedPocEvent } from '@poc/contracts';
import type { EventStore } from '@poc/platform';
import { type SummaryCounts, type SummaryScope, countInMemory } from './summarise.ts';

export interface ReplayResult {
  readonly counts: SummaryCounts;
  readonly events: number;
  readonly seconds: number;
}

/**
 * The tenant's counts as they were at `asOf`: its events that occurred up to
 * that instant, read from the event store's history scan (`readHistory`: one
 * ordered scan, the next batch read while this one folds), folded in memory with `evolvePoc` (POCs) and
 * `evolveDojoFacts` (dojos), then counted like today's. Nothing of today's
 * read models is consulted, so an edit or a delete made later does not
 * change the past.
 *
 * Memory: one state per POC and per dojo of the tenant (descriptions are
 * dropped as they fold: no report counts them) and one batch of events.
 */
export async function replayCounts(
  store: EventStore,
  tenantId: string,
  asOf: Date,
  scope: SummaryScope,
  options: { batch?: number } = {},
): Promise<ReplayResult> {
  const started = performance.now();
  const pocs = new Map<string, PocState>();
  const dojos = new Map<string, DojoFacts>();
  const { events } = await store.readHistory(tenantId, { until: asOf, batchSize: options.batch ?? 10_000 }, (batch) => {
    for (const event of batch) {
      if (event.type.startsWith('poc.')) {
        const state = pocs.get(event.aggregateId) ?? ABSENT;
        // A stream's events up to an instant are a prefix of it; anything else (clock skew) is left out.
        if (event.aggregateVersion !== pocVersion(state) + 1) continue;
        pocs.set(event.aggregateId, lean(evolvePoc(state, toRecordedPocEvent(event))));
      } else if (event.type.startsWith('dojo.')) {
        const facts = dojos.get(event.aggregateId) ?? null;
        if (event.aggregateVersion !== (facts?.version ?? 0) + 1) continue;
        dojos.set(event.aggregateId, evolveDojoFacts(facts, event));
      }
    }
  });
  const active = function* (): Iterable<Poc> {
    for (const s of pocs.values()) if (s.kind === 'active') yield s.poc;
  };
  return { counts: countInMemory(active(), dojos.values(), scope), events, seconds: (performance.now() - started) / 1000 };
}

const ABSENT: PocState = { kind: 'absent' };

/** Drop what no report counts (the description), so a large history fits in memory. */
function lean(state: PocState): PocState {
  if (state.kind === 'absent' || state.poc.description === '') return state;
  return { ...state, poc: { ...state.poc, description: '' } };
}
