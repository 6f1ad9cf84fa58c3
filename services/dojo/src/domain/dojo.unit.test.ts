import type { NewDojoEvent } from '@poc/contracts/dojo';
import { ForbiddenError, IllegalStateError, NotFoundError } from '@poc/platform';
import { describe, expect, it } from 'vitest';
import { type DojoCommand, decide, fold, participantsView } from './dojo.ts';

const t0 = new Date('2026-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const given = (...events: NewDojoEvent[]) => ({
  when: (command: DojoCommand) => ({
    then: (expected: { type?: string; data?: Record<string, unknown> }[]) => expect(decide(command, fold(events))).toMatchObject(expected),
    thenThrows: (type: new (...args: never[]) => Error) => expect(() => decide(command, fold(events))).toThrow(type),
  }),
});

const scheduled: NewDojoEvent = {
  type: 'dojo.scheduled',
  schemaVersion: 1,
  data: { title: 'Bowling', kata: 'bowling', language: 'ts', starterCode: '', scheduledAt: null, rotationMinutes: 5, createdBy: 'ana', createdAt: t0.toISOString() },
};
const joined = (userId: string, minutes = 0, kind: 'editor' | 'observer' = 'editor'): NewDojoEvent => ({
  type: 'dojo.participant_joined',
  schemaVersion: 1,
  data: { userId, displayName: userId.toUpperCase(), kind, joinedAt: at(minutes).toISOString() },
});
const started: NewDojoEvent = { type: 'dojo.started', schemaVersion: 1, data: { startedAt: t0.toISOString(), startedBy: 'ana' } };
const rotated = (from: string | null, to: string | null, minutes: number, endsIn = 5): NewDojoEvent => ({
  type: 'dojo.pilot_rotated',
  schemaVersion: 1,
  data: { from, to, rotationEndsAt: to ? at(minutes + endsIn).toISOString() : null, reason: 'joined', rotatedAt: at(minutes).toISOString() },
});

describe('dojo decider', () => {
  it('given nothing, when scheduling, then dojo.scheduled; scheduling again is refused', () => {
    const cmd: DojoCommand = { type: 'schedule', title: 'T', kata: null, language: 'go', starterCode: 'x', scheduledAt: null, rotationMinutes: 7, by: 'ana', now: t0 };
    given().when(cmd).then([{ type: 'dojo.scheduled', data: { title: 'T', starterCode: 'x', rotationMinutes: 7, createdBy: 'ana' } }]);
    given(scheduled).when(cmd).thenThrows(IllegalStateError);
  });

  it('given an unknown dojo, when joining, then not found', () => {
    given().when({ type: 'join', userId: 'bo', displayName: 'Bo', observer: false, now: t0 }).thenThrows(NotFoundError);
  });

  it('given a scheduled dojo, when the first editor joins, then it starts and the editor is pilot until the rotation is due', () => {
    given(scheduled)
      .when({ type: 'join', userId: 'bo', displayName: 'Bo', observer: false, now: at(1) })
      .then([
        { type: 'dojo.started', data: { startedAt: at(1).toISOString() } },
        { type: 'dojo.participant_joined', data: { userId: 'bo', kind: 'editor' } },
        { type: 'dojo.pilot_rotated', data: { from: null, to: 'bo', rotationEndsAt: at(6).toISOString(), reason: 'joined' } },
      ]);
  });

  it('given a scheduled dojo, when an analyst joins, then it watches: no start, no pilot', () => {
    const events = decide({ type: 'join', userId: 'an', displayName: 'An', observer: true, now: t0 }, fold([scheduled]));
    expect(events.map((e) => e.type)).toEqual(['dojo.participant_joined']);
    expect(participantsView(fold([scheduled, ...events]))).toEqual([{ userId: 'an', displayName: 'An', role: 'observer', present: true }]);
  });

  it('given a present participant, when joining again (a second device), then nothing happens', () => {
    given(scheduled, started, joined('bo'), rotated(null, 'bo', 0)).when({ type: 'join', userId: 'bo', displayName: 'Bo', observer: false, now: at(1) }).then([]);
  });

  it('given three editors, when the rotation is due, then the next editor in join order pilots; before it is due nothing happens', () => {
    const history = [scheduled, started, joined('bo'), rotated(null, 'bo', 0), joined('cy', 1), joined('di', 2)];
    given(...history).when({ type: 'rotate', now: at(4) }).then([]);
    given(...history)
      .when({ type: 'rotate', now: at(5) })
      .then([{ type: 'dojo.pilot_rotated', data: { from: 'bo', to: 'cy', rotationEndsAt: at(10).toISOString(), reason: 'schedule' } }]);
    given(...history, rotated('bo', 'cy', 5), rotated('cy', 'di', 10)).when({ type: 'rotate', now: at(15) }).then([{ data: { from: 'di', to: 'bo' } }]);
  });

  it('given the pilot leaves, then the next present editor pilots; an absent one is skipped', () => {
    const left: NewDojoEvent = { type: 'dojo.participant_left', schemaVersion: 1, data: { userId: 'cy', leftAt: at(2).toISOString() } };
    given(scheduled, started, joined('bo'), rotated(null, 'bo', 0), joined('cy'), joined('di'), left)
      .when({ type: 'leave', userId: 'bo', now: at(3) })
      .then([{ type: 'dojo.participant_left', data: { userId: 'bo' } }, { type: 'dojo.pilot_rotated', data: { from: 'bo', to: 'di', reason: 'left' } }]);
  });

  it('given the last editor leaves, then nobody pilots and there is no countdown', () => {
    given(scheduled, started, joined('bo'), rotated(null, 'bo', 0))
      .when({ type: 'leave', userId: 'bo', now: at(1) })
      .then([{ type: 'dojo.participant_left' }, { type: 'dojo.pilot_rotated', data: { to: null, rotationEndsAt: null } }]);
  });

  it('given a live dojo, when a member who did not create it ends it, then forbidden; the creator or an admin may; twice is a conflict', () => {
    const history = [scheduled, started];
    given(...history).when({ type: 'end', by: 'bo', mayEndAny: false, now: at(1) }).thenThrows(ForbiddenError);
    given(...history).when({ type: 'end', by: 'ana', mayEndAny: false, now: at(1) }).then([{ type: 'dojo.ended', data: { endedBy: 'ana' } }]);
    given(...history).when({ type: 'end', by: 'bo', mayEndAny: true, now: at(1) }).then([{ type: 'dojo.ended' }]);
    const ended: NewDojoEvent = { type: 'dojo.ended', schemaVersion: 1, data: { endedAt: at(1).toISOString(), endedBy: 'ana' } };
    given(...history, ended).when({ type: 'end', by: 'ana', mayEndAny: true, now: at(2) }).thenThrows(IllegalStateError);
  });

  it('given an ended dojo, then nobody joins, pilots or rotates any more', () => {
    const ended: NewDojoEvent = { type: 'dojo.ended', schemaVersion: 1, data: { endedAt: at(1).toISOString(), endedBy: 'ana' } };
    const history = [scheduled, started, joined('bo'), rotated(null, 'bo', 0), ended];
    given(...history).when({ type: 'join', userId: 'cy', displayName: 'Cy', observer: false, now: at(2) }).then([]);
    given(...history).when({ type: 'rotate', now: at(60) }).then([]);
    expect(fold(history)).toMatchObject({ status: 'ended', pilot: null, rotationEndsAt: null });
  });
});
