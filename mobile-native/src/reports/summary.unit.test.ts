import { describe, expect, it } from 'vitest';
import { periodQuery, toBars } from './summary';

describe('report summary charts', () => {
  it('reads buckets as arrays of rows or as maps', () => {
    expect(toBars([{ month: '2026-01', count: 3 }, { month: '2026-02', count: 0 }])).toEqual([
      { label: '2026-01', count: 3 },
      { label: '2026-02', count: 0 },
    ]);
    expect(toBars([{ value: 'go', count: 2 }])).toEqual([{ label: 'go', count: 2 }]);
    expect(toBars({ done: 4, idea: 1 })).toEqual([{ label: 'done', count: 4 }, { label: 'idea', count: 1 }]);
    expect(toBars('nonsense')).toEqual([]);
    expect(toBars([{ nothing: true }])).toEqual([]);
  });

  it('asks for a whole year or for the days given', () => {
    expect(periodQuery({ year: '2026' })).toEqual({ year: 2026, from: '2026-01-01T00:00:00.000Z', to: '2026-12-31T23:59:59.999Z' });
    expect(periodQuery({ year: '2026', from: '2026-03-01' })).toEqual({ from: '2026-03-01T00:00:00.000Z' });
  });
});
