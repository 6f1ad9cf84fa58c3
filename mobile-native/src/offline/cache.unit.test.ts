import { describe, expect, it } from 'vitest';
import type { Poc, PocPage } from '../api/types';
import { OfflineCache } from './cache';
import { memoryStore } from './kv';

const poc = (id: string, name = id): Poc => ({
  id,
  name,
  description: null,
  languages: ['go'],
  tags: [],
  repoUrl: null,
  status: 'idea',
  startedAt: null,
  finishedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'u',
  version: 1,
});
const page = (items: Poc[]): PocPage => ({ items, total: items.length, facets: { languages: [], tags: [], status: [] }, nextCursor: null });

describe('the offline cache', () => {
  it('gives back the last list and the opened details after a restart', async () => {
    const store = memoryStore();
    const before = new OfflineCache(store);
    await before.saveList({ q: 'kub' }, page([poc('a'), poc('b')]));
    await before.savePoc({ ...poc('c'), description: 'opened once' });
    const after = new OfflineCache(store);
    expect((await after.lastList())?.page.items.map((p) => p.id)).toEqual(['a', 'b']);
    expect((await after.lastList())?.query).toEqual({ q: 'kub' });
    expect((await after.poc('c'))?.description).toBe('opened once');
    expect((await after.poc('b'))?.id).toBe('b'); // from the list
    expect(await after.poc('zzz')).toBeNull();
  });

  it('forgets a deleted POC and everything on sign-out', async () => {
    const cache = new OfflineCache(memoryStore());
    await cache.saveList({}, page([poc('a'), poc('b')]));
    await cache.savePoc(poc('a'));
    await cache.forgetPoc('a');
    expect(await cache.poc('a')).toBeNull();
    expect((await cache.lastList())?.page.total).toBe(1);
    await cache.clear();
    expect(await cache.lastList()).toBeNull();
    expect(await cache.poc('b')).toBeNull();
  });
});
