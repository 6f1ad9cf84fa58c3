import type { PocCreatedData, PocEvent } from '@poc/contracts';
import { type AppError, ForbiddenError, IllegalStateError, NotFoundError, PreconditionFailedError, ValidationError } from '@poc/platform';
import { describe, expect, it } from 'vitest';
import { POC_ERR } from '../errors.ts';
import type { Actor, PocCommand } from './commands.ts';
import { decide } from './decider.ts';
import { AUTHOR, fold } from './testing.ts';

// given(events).when(command).then(events) / .thenFails(category, code)
function given(...history: PocEvent[]) {
  return {
    when: (command: PocCommand) => ({
      then: (expected: PocEvent[]) => expect(decide(command, fold(history))).toEqual(expected),
      thenFails: (category: new (...args: never[]) => AppError, code: string) => {
        let thrown: unknown;
        try {
          decide(command, fold(history));
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(category);
        expect((thrown as AppError).code).toBe(code);
      },
    }),
  };
}

const author: Actor = { userId: AUTHOR, roles: ['member'] };
const otherMember: Actor = { userId: 'b3f1c2d4-0000-4000-8000-000000000002', roles: ['member'] };
const admin: Actor = { userId: 'b3f1c2d4-0000-4000-8000-000000000003', roles: ['admin'] };
const owner: Actor = { userId: 'b3f1c2d4-0000-4000-8000-000000000004', roles: ['owner'] };
const analyst: Actor = { userId: 'b3f1c2d4-0000-4000-8000-000000000005', roles: ['analyst'] };

const data: PocCreatedData = {
  name: 'Outbox relay',
  description: 'Relay the outbox to Kafka',
  languages: ['typescript'],
  tags: ['kafka', 'outbox'],
  repoUrl: 'https://github.com/acme/outbox',
  status: 'in_progress',
  startedAt: '2025-01-01T00:00:00.000Z',
  finishedAt: null,
};
const created: PocEvent = { type: 'poc.created', schemaVersion: 2, data };
const deleted: PocEvent = { type: 'poc.deleted', schemaVersion: 1, data: {} };
const update = (actor: Actor, changes: Extract<PocCommand, { type: 'UpdatePoc' }>['changes'], expectedVersion: number | null = null): PocCommand => ({
  type: 'UpdatePoc',
  actor,
  expectedVersion,
  changes,
});
const remove = (actor: Actor, expectedVersion: number | null = null): PocCommand => ({ type: 'DeletePoc', actor, expectedVersion });

describe('the POC decider: create', () => {
  it('given no POC, when a member creates one, then poc.created carries the normalised data at the latest schema version', () => {
    given().when({ type: 'CreatePoc', actor: author, data }).then([created]);
  });

  it('given no POC, when an analyst creates one, then it is forbidden (read-only role)', () => {
    given().when({ type: 'CreatePoc', actor: analyst, data }).thenFails(ForbiddenError, POC_ERR.READ_ONLY);
  });

  it('an analyst who is also a member may create', () => {
    given().when({ type: 'CreatePoc', actor: { ...analyst, roles: ['analyst', 'member'] }, data }).then([created]);
  });

  it('when finishedAt comes before startedAt, then the create is invalid, naming finishedAt', () => {
    given()
      .when({ type: 'CreatePoc', actor: author, data: { ...data, finishedAt: '2024-12-31T23:59:59.000Z' } })
      .thenFails(ValidationError, POC_ERR.FINISHED_BEFORE_STARTED);
  });

  it('given the POC exists, when created again, then it is a conflict', () => {
    given(created).when({ type: 'CreatePoc', actor: author, data }).thenFails(IllegalStateError, POC_ERR.ALREADY_EXISTS);
  });
});

describe('the POC decider: update', () => {
  it('when details change, then one poc.updated carries only the fields that differ', () => {
    given(created)
      .when(update(author, { name: 'Outbox relay v2', description: data.description, languages: ['typescript', 'sql'], repoUrl: null }))
      .then([{ type: 'poc.updated', schemaVersion: 1, data: { name: 'Outbox relay v2', languages: ['typescript', 'sql'], repoUrl: null } }]);
  });

  it('when the tag list is replaced, then the added tags are tagged and the missing ones untagged', () => {
    given(created)
      .when(update(author, { tags: ['outbox', 'msk', 'cdc'] }))
      .then([
        { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['msk', 'cdc'] } },
        { type: 'poc.untagged', schemaVersion: 1, data: { tags: ['kafka'] } },
      ]);
  });

  it('when the status changes, then poc.status_changed names where it came from', () => {
    given(created).when(update(author, { status: 'done', finishedAt: '2025-02-01T00:00:00.000Z' })).then([
      { type: 'poc.updated', schemaVersion: 1, data: { finishedAt: '2025-02-01T00:00:00.000Z' } },
      { type: 'poc.status_changed', schemaVersion: 1, data: { from: 'in_progress', to: 'done' } },
    ]);
  });

  it('when nothing actually changes (tags in another order included), then no event', () => {
    given(created).when(update(author, { name: data.name, tags: ['outbox', 'kafka'], status: 'in_progress' })).then([]);
  });

  it('when a change would put finishedAt before the stored startedAt, then it is invalid', () => {
    given(created).when(update(author, { finishedAt: '2024-06-01T00:00:00.000Z' })).thenFails(ValidationError, POC_ERR.FINISHED_BEFORE_STARTED);
  });

  it('with If-Match at the current version it applies; with an older one it is a failed precondition', () => {
    const tagged: PocEvent = { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['msk'] } };
    given(created, tagged).when(update(author, { name: 'x' }, 2)).then([{ type: 'poc.updated', schemaVersion: 1, data: { name: 'x' } }]);
    given(created, tagged).when(update(author, { name: 'x' }, 1)).thenFails(PreconditionFailedError, POC_ERR.VERSION_MISMATCH);
  });

  it('a member may change only their own POCs; owner and admin any; analyst none', () => {
    given(created).when(update(otherMember, { name: 'mine now' })).thenFails(ForbiddenError, POC_ERR.NOT_AUTHOR);
    given(created).when(update(analyst, { name: 'x' })).thenFails(ForbiddenError, POC_ERR.READ_ONLY);
    given(created).when(update(admin, { name: 'by admin' })).then([{ type: 'poc.updated', schemaVersion: 1, data: { name: 'by admin' } }]);
    given(created).when(update(owner, { name: 'by owner' })).then([{ type: 'poc.updated', schemaVersion: 1, data: { name: 'by owner' } }]);
  });

  it('given no POC or a deleted one, then it is not found', () => {
    given().when(update(author, { name: 'x' })).thenFails(NotFoundError, POC_ERR.NOT_FOUND);
    given(created, deleted).when(update(author, { name: 'x' })).thenFails(NotFoundError, POC_ERR.NOT_FOUND);
  });
});

describe('the POC decider: delete', () => {
  it('when its author deletes it, then poc.deleted', () => {
    given(created).when(remove(author)).then([deleted]);
  });

  it('owner and admin may delete any; another member or an analyst may not', () => {
    given(created).when(remove(owner)).then([deleted]);
    given(created).when(remove(admin)).then([deleted]);
    given(created).when(remove(otherMember)).thenFails(ForbiddenError, POC_ERR.NOT_AUTHOR);
    given(created).when(remove(analyst)).thenFails(ForbiddenError, POC_ERR.READ_ONLY);
  });

  it('given it is already deleted or never existed, then not found; with a stale If-Match, a failed precondition', () => {
    given(created, deleted).when(remove(author)).thenFails(NotFoundError, POC_ERR.NOT_FOUND);
    given().when(remove(owner)).thenFails(NotFoundError, POC_ERR.NOT_FOUND);
    given(created, { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['x'] } }).when(remove(author, 1)).thenFails(PreconditionFailedError, POC_ERR.VERSION_MISMATCH);
  });
});
