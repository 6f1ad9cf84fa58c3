import type { Poc } from './http.ts';
import type { RecordedPocEvent } from './events.ts';

/**
 * What a POC stream folds to. `evolvePoc` is the one meaning of the POC
 * events: the write side folds it to decide, the read side folds it to
 * project (its `poc` is the API's POC resource).
 */
export type PocState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'active'; readonly poc: Poc }
  | { readonly kind: 'deleted'; readonly poc: Poc; readonly deletedAt: string };

export const initialPocState = (): PocState => ({ kind: 'absent' });

/** The stream version a state was folded up to (0 when nothing happened). */
export function pocVersion(state: PocState): number {
  return state.kind === 'absent' ? 0 : state.poc.version;
}

/** A stream whose events cannot follow each other (e.g. an update before the creation). */
export class PocStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PocStreamError';
  }
}

const userOf = (actor: string): string => (actor.startsWith('user:') ? actor.slice('user:'.length) : actor);

/**
 * Fold one event into the state. Pure; events are in their latest shape
 * (`toRecordedPocEvent` upcasts stored ones).
 *
 * @example
 * const state = events.map(toRecordedPocEvent).reduce(evolvePoc, initialPocState());
 */
export function evolvePoc(state: PocState, event: RecordedPocEvent): PocState {
  if (event.type === 'poc.created') {
    if (state.kind !== 'absent') throw new PocStreamError(`poc.created at version ${event.aggregateVersion} of an existing POC`);
    return {
      kind: 'active',
      poc: {
        id: event.aggregateId,
        ...event.data,
        createdAt: event.occurredAt,
        updatedAt: event.occurredAt,
        createdBy: userOf(event.actor),
        version: event.aggregateVersion,
      },
    };
  }
  if (state.kind !== 'active') throw new PocStreamError(`${event.type} at version ${event.aggregateVersion} of a POC that is ${state.kind}`);
  const touched = { updatedAt: event.occurredAt, version: event.aggregateVersion };
  const { poc } = state;
  switch (event.type) {
    case 'poc.updated':
      return { kind: 'active', poc: { ...poc, ...event.data, ...touched } };
    case 'poc.tagged':
      return { kind: 'active', poc: { ...poc, tags: [...poc.tags, ...event.data.tags.filter((t) => !poc.tags.includes(t))], ...touched } };
    case 'poc.untagged':
      return { kind: 'active', poc: { ...poc, tags: poc.tags.filter((t) => !event.data.tags.includes(t)), ...touched } };
    case 'poc.status_changed':
      return { kind: 'active', poc: { ...poc, status: event.data.to, ...touched } };
    case 'poc.deleted':
      return { kind: 'deleted', poc: { ...poc, version: event.aggregateVersion }, deletedAt: event.occurredAt };
    default:
      return unreachable(event);
  }
}

function unreachable(event: never): never {
  throw new PocStreamError(`unhandled POC event ${(event as { type: string }).type}`);
}
