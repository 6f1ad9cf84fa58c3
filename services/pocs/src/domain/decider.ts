import {
  type Poc,
  type PocCreatedData,
  type PocEvent,
  type PocState,
  type PocUpdatedData,
  POC_EVENT_VERSIONS as V,
  evolvePoc,
  initialPocState,
  pocVersion,
} from '@poc/contracts';
import { ForbiddenError, IllegalStateError, NotFoundError, PreconditionFailedError, type Role, ValidationError } from '@poc/platform';
import { POC_ERR } from '../errors.ts';
import type { Actor, PocChanges, PocCommand } from './commands.ts';

/**
 * The POC aggregate as a pure decider: `decide(command, state) → events`,
 * `evolve(state, event) → state` (the contracts' `evolvePoc`, shared with the
 * read side), `initialState()`. No I/O, no clock: the store stamps time and
 * versions.
 *
 * Rules: owner, admin and member may create; a member may change or delete
 * only the POCs they created, owner and admin any in their tenant; analyst is
 * read-only. A deleted POC is gone (404). `If-Match` must name the current
 * version (412). `finishedAt` never precedes `startedAt`. A change that
 * changes nothing produces no event.
 *
 * @example
 * const events = decide({ type: 'CreatePoc', actor, data }, initialState());
 */
export function decide(command: PocCommand, state: PocState): PocEvent[] {
  switch (command.type) {
    case 'CreatePoc':
      return create(command.actor, command.data, state);
    case 'UpdatePoc':
      return update(command.actor, command.expectedVersion, command.changes, existing(state));
    case 'DeletePoc':
      return remove(command.actor, command.expectedVersion, existing(state));
    default:
      return unreachable(command);
  }
}

export const initialState = initialPocState;
export const evolve = evolvePoc;
/** The decider as one value, for `given/when/then` helpers and the service. */
export const pocDecider = { decide, evolve, initialState } as const;

const WRITERS: readonly Role[] = ['owner', 'admin', 'member'];
const ANY_POC: readonly Role[] = ['owner', 'admin'];
const hasAny = (actor: Actor, roles: readonly Role[]) => actor.roles.some((r) => roles.includes(r));

function mayWrite(actor: Actor): void {
  if (!hasAny(actor, WRITERS)) {
    throw new ForbiddenError(POC_ERR.READ_ONLY, 'Your role can read POCs but not change them.');
  }
}

function mayChange(actor: Actor, poc: Poc): void {
  mayWrite(actor);
  if (poc.createdBy !== actor.userId && !hasAny(actor, ANY_POC)) {
    throw new ForbiddenError(POC_ERR.NOT_AUTHOR, 'Members can change only the POCs they created.');
  }
}

function existing(state: PocState): Poc {
  if (state.kind !== 'active') throw new NotFoundError(POC_ERR.NOT_FOUND, 'No such POC.');
  return state.poc;
}

function matches(expectedVersion: number | null, poc: Poc): void {
  if (expectedVersion !== null && expectedVersion !== poc.version) {
    throw new PreconditionFailedError(POC_ERR.VERSION_MISMATCH, `The POC is at version ${poc.version}, not ${expectedVersion}; read it again and reapply your change.`);
  }
}

function datesInOrder(startedAt: string | null, finishedAt: string | null): void {
  if (startedAt !== null && finishedAt !== null && Date.parse(finishedAt) < Date.parse(startedAt)) {
    throw new ValidationError(POC_ERR.FINISHED_BEFORE_STARTED, 'finishedAt must not come before startedAt.', [
      { path: 'body.finishedAt', message: 'must not come before startedAt' },
    ]);
  }
}

function create(actor: Actor, data: PocCreatedData, state: PocState): PocEvent[] {
  mayWrite(actor);
  if (state.kind !== 'absent') throw new IllegalStateError(POC_ERR.ALREADY_EXISTS, 'This POC already exists.');
  datesInOrder(data.startedAt, data.finishedAt);
  return [{ type: 'poc.created', schemaVersion: V['poc.created'], data }];
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function update(actor: Actor, expectedVersion: number | null, changes: PocChanges, poc: Poc): PocEvent[] {
  mayChange(actor, poc);
  matches(expectedVersion, poc);
  datesInOrder(changes.startedAt !== undefined ? changes.startedAt : poc.startedAt, changes.finishedAt !== undefined ? changes.finishedAt : poc.finishedAt);

  const details: { -readonly [K in keyof PocUpdatedData]: PocUpdatedData[K] } = {};
  if (changes.name !== undefined && changes.name !== poc.name) details.name = changes.name;
  if (changes.description !== undefined && changes.description !== poc.description) details.description = changes.description;
  if (changes.languages !== undefined && !sameList(changes.languages, poc.languages)) details.languages = [...changes.languages];
  if (changes.repoUrl !== undefined && changes.repoUrl !== poc.repoUrl) details.repoUrl = changes.repoUrl;
  if (changes.startedAt !== undefined && changes.startedAt !== poc.startedAt) details.startedAt = changes.startedAt;
  if (changes.finishedAt !== undefined && changes.finishedAt !== poc.finishedAt) details.finishedAt = changes.finishedAt;

  const events: PocEvent[] = [];
  if (Object.keys(details).length > 0) events.push({ type: 'poc.updated', schemaVersion: V['poc.updated'], data: details });
  if (changes.tags !== undefined) {
    const added = changes.tags.filter((t) => !poc.tags.includes(t));
    const removed = poc.tags.filter((t) => !changes.tags!.includes(t));
    if (added.length > 0) events.push({ type: 'poc.tagged', schemaVersion: V['poc.tagged'], data: { tags: added } });
    if (removed.length > 0) events.push({ type: 'poc.untagged', schemaVersion: V['poc.untagged'], data: { tags: removed } });
  }
  if (changes.status !== undefined && changes.status !== poc.status) {
    events.push({ type: 'poc.status_changed', schemaVersion: V['poc.status_changed'], data: { from: poc.status, to: changes.status } });
  }
  return events;
}

function remove(actor: Actor, expectedVersion: number | null, poc: Poc): PocEvent[] {
  mayChange(actor, poc);
  matches(expectedVersion, poc);
  return [{ type: 'poc.deleted', schemaVersion: V['poc.deleted'], data: {} }];
}

function unreachable(command: never): never {
  throw new Error(`unhandled command ${(command as { type: string }).type}`);
}

/** The version of a folded state (0 when absent). */
export { pocVersion };
