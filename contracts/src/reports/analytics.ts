import type { EventEnvelope } from '../envelope.ts';

/**
 * What the reports count of a dojo, folded from its `dojo.*` events: when it
 * started and ended, and who joined. Pure, like `evolvePoc`: the analytics
 * projection folds it into rows, and an as-of replay folds it in memory, so
 * both read the dojo events the same way.
 *
 * @example
 * const facts = events.reduce(evolveDojoFacts, null);
 */
export interface DojoFacts {
  readonly id: string;
  readonly version: number;
  readonly language: string;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  /** User ids of everyone who joined, once each, in join order. */
  readonly participants: readonly string[];
}

type DojoEventLike = Pick<EventEnvelope, 'type' | 'aggregateId' | 'aggregateVersion' | 'occurredAt' | 'data'>;

export function evolveDojoFacts(state: DojoFacts | null, event: DojoEventLike): DojoFacts {
  const data = event.data as Record<string, unknown>;
  const base: DojoFacts = state ?? { id: event.aggregateId, version: 0, language: '', createdAt: event.occurredAt, startedAt: null, endedAt: null, participants: [] };
  const next = { ...base, version: event.aggregateVersion };
  switch (event.type) {
    case 'dojo.scheduled':
      return { ...next, language: String(data.language ?? ''), createdAt: String(data.createdAt ?? event.occurredAt) };
    case 'dojo.started':
      return { ...next, startedAt: String(data.startedAt ?? event.occurredAt) };
    case 'dojo.ended':
      return { ...next, endedAt: String(data.endedAt ?? event.occurredAt) };
    case 'dojo.participant_joined': {
      const userId = String(data.userId);
      return base.participants.includes(userId) ? next : { ...next, participants: [...base.participants, userId] };
    }
    default:
      // pilot rotations, departures, snapshots: nothing the reports count, but the version moves on.
      return next;
  }
}

/** Whole minutes from start to end of a held dojo (0 when it never started or has not ended). */
export function dojoMinutes(facts: Pick<DojoFacts, 'startedAt' | 'endedAt'>): number {
  if (!facts.startedAt || !facts.endedAt) return 0;
  return Math.max(0, Math.round((Date.parse(facts.endedAt) - Date.parse(facts.startedAt)) / 60_000));
}
