import { describe, expect, it } from 'vitest';
import type { PocEvent, RecordedPocEvent } from './events.ts';
import { type PocState, PocStreamError, evolvePoc, initialPocState, pocVersion } from './state.ts';

const id = '0192f3a1-7c4e-7b8a-9c1d-3e5f7a9b1c2d';
const author = 'user:8d2e6f4a-3b1c-4e5d-9f7a-1b2c3d4e5f6a';
const day = (n: number) => `2025-01-${String(n).padStart(2, '0')}T10:00:00.000Z`;
const recorded = (events: PocEvent[]): RecordedPocEvent[] =>
  events.map((e, i) => ({ ...e, aggregateId: id, aggregateVersion: i + 1, occurredAt: day(i + 1), actor: author }) as RecordedPocEvent);
const given = (events: PocEvent[]): PocState => recorded(events).reduce(evolvePoc, initialPocState());

const created: PocEvent = {
  type: 'poc.created',
  schemaVersion: 2,
  data: { name: 'Yjs dojo', description: '', languages: ['typescript'], tags: ['crdt'], repoUrl: null, status: 'idea', startedAt: null, finishedAt: null },
};

describe('evolvePoc', () => {
  it('given nothing, then the POC is absent at version 0', () => {
    expect(given([])).toEqual({ kind: 'absent' });
    expect(pocVersion(given([]))).toBe(0);
  });

  it('given poc.created, then the POC exists with its author, times and version 1', () => {
    expect(given([created])).toEqual({
      kind: 'active',
      poc: { id, ...created.data, createdAt: day(1), updatedAt: day(1), createdBy: author.slice(5), version: 1 },
    });
  });

  it('given details, tags and status changes, then each applies and moves updatedAt and version', () => {
    const state = given([
      created,
      { type: 'poc.updated', schemaVersion: 1, data: { name: 'Yjs dojo v2', languages: ['typescript', 'rust'] } },
      { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['websocket', 'yjs'] } },
      { type: 'poc.untagged', schemaVersion: 1, data: { tags: ['crdt'] } },
      { type: 'poc.status_changed', schemaVersion: 1, data: { from: 'idea', to: 'in_progress' } },
    ]);
    expect(state.kind).toBe('active');
    expect(state.kind === 'active' && state.poc).toMatchObject({
      name: 'Yjs dojo v2',
      languages: ['typescript', 'rust'],
      tags: ['websocket', 'yjs'],
      status: 'in_progress',
      createdAt: day(1),
      updatedAt: day(5),
      version: 5,
    });
  });

  it('given poc.deleted, then the POC is deleted and keeps its last shape', () => {
    const state = given([created, { type: 'poc.deleted', schemaVersion: 1, data: {} }]);
    expect(state).toMatchObject({ kind: 'deleted', deletedAt: day(2), poc: { name: 'Yjs dojo', version: 2 } });
  });

  it('refuses a stream that cannot happen: a change before the creation, two creations, anything after deletion', () => {
    expect(() => given([{ type: 'poc.tagged', schemaVersion: 1, data: { tags: ['x'] } }])).toThrow(PocStreamError);
    expect(() => given([created, created])).toThrow(PocStreamError);
    expect(() => given([created, { type: 'poc.deleted', schemaVersion: 1, data: {} }, { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['x'] } }])).toThrow(PocStreamError);
  });
});
