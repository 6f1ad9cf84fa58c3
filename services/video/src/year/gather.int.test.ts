import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresLogEventBus } from '@poc/platform';
import { YearInReviewProps } from '@poc/video-composition';
import { type VideoHarness, startVideo } from '../testing/harness.ts';
import { gatherYear, usersWithPocs } from './gather.ts';

let h: VideoHarness;
beforeAll(async () => {
  h = await startVideo();
});
afterAll(async () => {
  await h?.close();
});

const year = new Date().getUTCFullYear();

describe('gatherYear: a user\'s year from the events', () => {
  it('given POCs of the user this year, changed, deleted, of other users and of other years, then only the user\'s live POCs of the year, as they are now', async () => {
    const u = await h.user(['member'], undefined, 'Grace Hopper');
    const colleague = await h.user(['member'], u.tenantId);
    const [kept, deleted, changed] = await h.seedPocs(u, [
      { name: 'Kept', languages: ['go'], tags: ['cli'], status: 'done' },
      { name: 'Deleted' },
      { name: 'Before the rename', languages: ['go', 'rust'], tags: ['cli', 'wasm'], status: 'idea' },
    ]);
    await h.seedPocs(colleague, [{ name: 'Not hers' }]);
    const ctx = { tenantId: u.tenantId, actor: `user:${u.userId}`, correlationId: randomUUID() };
    await h.store.append(`poc-${deleted}`, 1, [{ type: 'poc.deleted', schemaVersion: 1, data: {} }], ctx);
    await h.store.append(`poc-${changed}`, 1, [
      { type: 'poc.updated', schemaVersion: 1, data: { name: 'After the rename' } },
      { type: 'poc.status_changed', schemaVersion: 1, data: { from: 'idea', to: 'in_progress' } },
    ], ctx);
    // A POC of last year, written with last year's date.
    await new PostgresLogEventBus(h.database.db, h.store).publish([{
      id: randomUUID(), type: 'poc.created', schemaVersion: 2, tenantId: u.tenantId, aggregateId: randomUUID(), aggregateVersion: 1,
      occurredAt: `${year - 1}-06-01T10:00:00.000Z`, actor: `user:${u.userId}`, correlationId: randomUUID(), causationId: null,
      data: { name: 'Last year', description: '', languages: ['cobol'], tags: [], repoUrl: null, status: 'done', startedAt: null, finishedAt: null },
    }]);
    await h.seedDojo(u, 'Bowling kata', 'typescript');

    const props = YearInReviewProps.parse(await gatherYear(h.database.db, { tenantId: u.tenantId, userId: u.userId, year, resolution: '720p' }));
    expect(props.userName).toBe('Grace Hopper');
    expect(props.pocs.map((p) => [p.name, p.status])).toEqual([['Kept', 'done'], ['After the rename', 'in_progress']]);
    expect(props.topLanguages).toEqual([{ label: 'go', count: 2 }, { label: 'rust', count: 1 }]);
    expect(props.topTags).toEqual([{ label: 'cli', count: 2 }, { label: 'wasm', count: 1 }]);
    expect(props.dojos).toMatchObject([{ title: 'Bowling kata', language: 'typescript' }]);
    expect(kept).toBeDefined();

    const lastYear = await gatherYear(h.database.db, { tenantId: u.tenantId, userId: u.userId, year: year - 1, resolution: '720p' });
    expect(lastYear.pocs.map((p) => p.name)).toEqual(['Last year']);
    expect((await usersWithPocs(h.database.db, year, u.tenantId)).map((x) => x.userId).sort()).toEqual([u.userId, colleague.userId].sort());
  });
});
