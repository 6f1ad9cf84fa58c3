import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DocumentStore } from './documents.ts';

/** A PostgreSQL pool that records every statement and commits it at once: the rows of each commit. */
function recordingDb() {
  const commits: number[] = [];
  const client = {
    query: async (text: string) => {
      commits.push(text.split('::bytea').length - 1);
      return { command: 'INSERT', rowCount: 0, rows: [] };
    },
    release: () => undefined,
  };
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: { connect: async () => client, end: async () => undefined } as never }) });
  return { db, commits };
}

const key = { tenantId: randomUUID(), dojoId: randomUUID() };
const update = new Uint8Array([1, 2, 3]);

describe('DocumentStore: group commit', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('given appends nobody waits for, then they wait lazyBatchMs for company and commit together', async () => {
    const { db, commits } = recordingDb();
    const store = new DocumentStore(db, { batchMs: 5, lazyBatchMs: 50 });
    const first = store.append(key, update, false);
    await vi.advanceTimersByTimeAsync(20);
    const second = store.append(key, update, false);
    await vi.advanceTimersByTimeAsync(29);
    expect(commits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([first, second]);
    expect(commits).toEqual([2]);
  });

  it('given an urgent append, then the lazy ones pending commit with it within batchMs', async () => {
    const { db, commits } = recordingDb();
    const store = new DocumentStore(db, { batchMs: 5, lazyBatchMs: 50 });
    const lazy = store.append(key, update, false);
    await vi.advanceTimersByTimeAsync(10);
    const urgent = store.append({ tenantId: key.tenantId, dojoId: randomUUID() }, update);
    await vi.advanceTimersByTimeAsync(4);
    expect(commits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([lazy, urgent]);
    expect(commits).toEqual([2]);
  });

  it('given a drain, then what waits lazily commits now', async () => {
    const { db, commits } = recordingDb();
    const store = new DocumentStore(db, { batchMs: 5, lazyBatchMs: 50 });
    const lazy = store.append(key, update, false);
    const drained = store.drain();
    await vi.advanceTimersByTimeAsync(0);
    await Promise.all([lazy, drained]);
    expect(commits).toEqual([1]);
  });

  it('given many appends nobody waits for, then a large batch does not wait lazyBatchMs', async () => {
    const { db, commits } = recordingDb();
    const store = new DocumentStore(db, { batchMs: 5, lazyBatchMs: 50 });
    const appends = Array.from({ length: 500 }, () => store.append(key, update, false));
    await vi.advanceTimersByTimeAsync(5);
    await Promise.all(appends);
    expect(commits).toEqual([500]);
  });
});
