import { describe, expect, it } from 'vitest';
import { type DojoFacts, type Poc, evolveDojoFacts } from '@poc/contracts';
import { countInMemory, toSummary } from './summarise.ts';

const poc = (over: Partial<Poc>): Poc => ({
  id: crypto.randomUUID(), name: 'p', description: '', languages: [], tags: [], repoUrl: null, status: 'idea', startedAt: null, finishedAt: null,
  createdAt: '2025-01-15T00:00:00.000Z', updatedAt: '2025-01-15T00:00:00.000Z', createdBy: 'u1', version: 1, ...over,
});
const dojo = (over: Partial<DojoFacts>): DojoFacts => ({ id: crypto.randomUUID(), version: 3, language: 'go', createdAt: '', startedAt: null, endedAt: null, participants: [], ...over });
const all = { from: null, to: null, member: null };

describe('summaries counted in memory (the as-of path)', () => {
  it('given POCs, then counts by month, language, tag, status and member, ordered by count then value', () => {
    const s = toSummary(
      countInMemory(
        [
          poc({ languages: ['go', 'rust'], tags: ['b'], createdBy: 'u2' }),
          poc({ languages: ['go'], tags: ['a', 'b'], status: 'done', createdAt: '2025-03-01T00:00:00.000Z' }),
          poc({ languages: ['zig'], tags: ['a'], createdAt: '2024-12-31T23:59:59.999Z' }),
        ],
        [],
        all,
      ),
      all,
      '2025-06-01T00:00:00.000Z',
    );
    expect(s.totals).toEqual({ pocs: 3, languages: 3, tags: 2, members: 2 });
    expect(s.byMonth).toEqual([{ month: '2024-12', count: 1 }, { month: '2025-01', count: 1 }, { month: '2025-03', count: 1 }]);
    expect(s.byLanguage).toEqual([{ value: 'go', count: 2 }, { value: 'rust', count: 1 }, { value: 'zig', count: 1 }]);
    expect(s.byTag).toEqual([{ value: 'a', count: 2 }, { value: 'b', count: 2 }]);
    expect(s.byStatus).toEqual([{ value: 'idea', count: 2 }, { value: 'in_progress', count: 0 }, { value: 'done', count: 1 }, { value: 'abandoned', count: 0 }]);
    expect(s.byMember).toEqual([{ userId: 'u1', count: 2 }, { userId: 'u2', count: 1 }]);
  });

  it('a period is [from, to); a member counts their own POCs and the dojos they joined', () => {
    const scope = { from: '2025-01-01T00:00:00.000Z', to: '2025-02-01T00:00:00.000Z', member: 'u2' };
    const counts = countInMemory(
      [poc({ createdBy: 'u2' }), poc({ createdBy: 'u2', createdAt: '2025-02-01T00:00:00.000Z' }), poc({ createdBy: 'u1' })],
      [
        dojo({ startedAt: '2025-01-10T10:00:00.000Z', endedAt: '2025-01-10T10:29:31.000Z', participants: ['u1', 'u2'] }),
        dojo({ startedAt: '2025-01-11T10:00:00.000Z', endedAt: '2025-01-11T11:00:00.000Z', participants: ['u1'] }),
        dojo({ startedAt: '2025-01-12T10:00:00.000Z', endedAt: null, participants: ['u2'] }),
      ],
      scope,
    );
    expect(counts.pocs).toBe(1);
    expect(counts.dojos).toEqual({ held: 1, participants: 2, minutes: 30 });
    expect(toSummary(counts, scope, scope.to).scope).toBe('own');
  });
});

describe('evolveDojoFacts', () => {
  it('given dojo events, then start, end and each participant once; other events only move the version', () => {
    const at = '2025-01-01T00:00:00.000Z';
    const e = (type: string, data: Record<string, unknown>, v: number) => ({ type, aggregateId: 'd1', aggregateVersion: v, occurredAt: at, data });
    const facts = [
      e('dojo.scheduled', { language: 'go', createdAt: at }, 1),
      e('dojo.started', { startedAt: at }, 2),
      e('dojo.participant_joined', { userId: 'u1' }, 3),
      e('dojo.participant_joined', { userId: 'u1' }, 4),
      e('dojo.snapshot_saved', { bytes: 1 }, 5),
      e('dojo.ended', { endedAt: '2025-01-01T01:00:00.000Z' }, 6),
    ].reduce(evolveDojoFacts, null);
    expect(facts).toEqual({ id: 'd1', version: 6, language: 'go', createdAt: at, startedAt: at, endedAt: '2025-01-01T01:00:00.000Z', participants: ['u1'] });
  });
});
