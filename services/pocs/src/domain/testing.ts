import type { PocEvent, PocState, RecordedPocEvent } from '@poc/contracts';
import { evolve, initialState } from './decider.ts';

/** Fixed ids and a fixed clock for decider tests. */
export const POC_ID = '0192f3a1-7c4e-7b8a-9c1d-3e5f7a9b1c2d';
export const AUTHOR = '8d2e6f4a-3b1c-4e5d-9f7a-1b2c3d4e5f6a';
export const at = (n: number) => new Date(Date.UTC(2025, 0, 1, 10, n)).toISOString();

/** Events as the store would record them: versions 1..n, one minute apart, by `actor` (default the author). */
export function recorded(events: readonly PocEvent[], actor = `user:${AUTHOR}`): RecordedPocEvent[] {
  return events.map((e, i) => ({ ...e, aggregateId: POC_ID, aggregateVersion: i + 1, occurredAt: at(i + 1), actor }) as RecordedPocEvent);
}

export function fold(events: readonly PocEvent[]): PocState {
  return recorded(events).reduce(evolve, initialState());
}
