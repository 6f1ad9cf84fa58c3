import { POC_STATUSES, type DojoFacts, type Poc, type ReportSummary, dojoMinutes } from '@poc/contracts';

/** The period and whose data a summary covers. */
export interface SummaryScope {
  /** Created (dojos: started) at or after. */
  readonly from: string | null;
  /** Created (dojos: started) before. */
  readonly to: string | null;
  /** A member's own POCs and the dojos they joined; null: the whole tenant. */
  readonly member: string | null;
}

/** Counts before they are ordered: what both the SQL path and the replay produce. */
export interface SummaryCounts {
  readonly pocs: number;
  readonly byMonth: ReadonlyMap<string, number>;
  readonly byLanguage: ReadonlyMap<string, number>;
  readonly byTag: ReadonlyMap<string, number>;
  readonly byStatus: ReadonlyMap<string, number>;
  readonly byMember: ReadonlyMap<string, number>;
  readonly dojos: { readonly held: number; readonly participants: number; readonly minutes: number };
}

// Code-point order ("C" collation), the same whichever path counted.
const byCountThenValue = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const ranked = (counts: ReadonlyMap<string, number>) => [...counts].filter(([, n]) => n > 0).sort(byCountThenValue);

/** The API's summary from counts: lists ordered, every status present, totals derived. */
export function toSummary(counts: SummaryCounts, scope: SummaryScope, asOf: string): ReportSummary {
  return {
    from: scope.from,
    to: scope.to,
    asOf,
    scope: scope.member ? 'own' : 'tenant',
    totals: {
      pocs: counts.pocs,
      languages: ranked(counts.byLanguage).length,
      tags: ranked(counts.byTag).length,
      members: ranked(counts.byMember).length,
    },
    byMonth: [...counts.byMonth].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)).map(([month, count]) => ({ month, count })),
    byLanguage: ranked(counts.byLanguage).map(([value, count]) => ({ value, count })),
    byTag: ranked(counts.byTag).map(([value, count]) => ({ value, count })),
    byStatus: POC_STATUSES.map((value) => ({ value, count: counts.byStatus.get(value) ?? 0 })),
    byMember: ranked(counts.byMember).map(([userId, count]) => ({ userId, count })),
    dojos: { ...counts.dojos },
  };
}

const inPeriod = (instant: string, scope: SummaryScope) => {
  const t = Date.parse(instant);
  return (scope.from === null || t >= Date.parse(scope.from)) && (scope.to === null || t < Date.parse(scope.to));
};

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/**
 * Count POCs and dojos held in memory (the as-of replay's last step): the
 * same rules as the SQL over the analytics tables (`current.ts`).
 */
export function countInMemory(pocs: Iterable<Poc>, dojos: Iterable<DojoFacts>, scope: SummaryScope): SummaryCounts {
  const byMonth = new Map<string, number>();
  const byLanguage = new Map<string, number>();
  const byTag = new Map<string, number>();
  const byStatus = new Map<string, number>();
  const byMember = new Map<string, number>();
  let total = 0;
  for (const poc of pocs) {
    if (scope.member !== null && poc.createdBy !== scope.member) continue;
    if (!inPeriod(poc.createdAt, scope)) continue;
    total++;
    bump(byMonth, new Date(poc.createdAt).toISOString().slice(0, 7));
    for (const l of poc.languages) bump(byLanguage, l);
    for (const t of poc.tags) bump(byTag, t);
    bump(byStatus, poc.status);
    bump(byMember, poc.createdBy);
  }
  let held = 0;
  let minutes = 0;
  const people = new Set<string>();
  for (const dojo of dojos) {
    if (!dojo.startedAt || !dojo.endedAt || !inPeriod(dojo.startedAt, scope)) continue;
    if (scope.member !== null && !dojo.participants.includes(scope.member)) continue;
    held++;
    minutes += dojoMinutes(dojo);
    for (const p of dojo.participants) people.add(p);
  }
  return { pocs: total, byMonth, byLanguage, byTag, byStatus, byMember, dojos: { held, participants: people.size, minutes } };
}
