import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@poc/platform/testing';
import { migrateVideo } from './migrations.ts';
import { type Job, VideoRepository } from './videos.ts';

// The claim queue on its own: fairness across tenants and the per-tenant budget.
let database: TestDatabase<unknown>;
let repo: VideoRepository;

beforeAll(async () => {
  database = await createTestDatabase('poc_video_queue');
  await migrateVideo(database.db);
  repo = new VideoRepository(database.db);
});
afterAll(async () => {
  await database?.drop();
});

const ask = (tenantId: string, year: number) =>
  repo.request({ tenantId, userId: randomUUID(), year, force: false, actor: 'system:test', correlationId: randomUUID() });
const claim = (budget: number) => repo.claim('w1', { tenantBudget: budget, leaseMs: 60_000 });
const done = (job: Job) => repo.complete(job, 'w1', { blobKey: 'k', bytes: 1, durationSeconds: 1, width: 1, height: 1, pocs: 0 });

describe('the render queue', () => {
  it('given a tenant with many requests and another with one, then the other is not starved, and no tenant exceeds its budget', async () => {
    const busy = randomUUID();
    const quiet = randomUUID();
    const busyIds = [];
    for (let i = 0; i < 4; i++) busyIds.push((await ask(busy, 2020 + i)).id);
    const quietId = (await ask(quiet, 2024)).id;

    const first = await claim(1);
    expect(first?.videoId).toBe(busyIds[0]);
    const second = await claim(1);
    expect(second?.videoId).toBe(quietId); // busy is at its budget, and quiet's one comes before busy's next
    expect(await claim(1)).toBeNull();

    await done(first!);
    await done(second!);
    // busy rendered last: with budget 2 its next two come in order.
    const third = await claim(2);
    const fourth = await claim(2);
    expect([third?.videoId, fourth?.videoId]).toEqual([busyIds[1], busyIds[2]]);
    expect(await claim(2)).toBeNull();
  });

  it('given a worker that died holding a claim, then its render is queued again once the lease expires', async () => {
    const tenant = randomUUID();
    const { id } = await ask(tenant, 2024);
    let job: Job | null = null;
    for (let i = 0; i < 20 && job?.videoId !== id; i++) job = await repo.claim('dead', { tenantBudget: 1, leaseMs: 1_000 });
    expect(job?.videoId).toBe(id);
    await new Promise((r) => setTimeout(r, 1_100));
    let again: Job | null = null;
    for (let i = 0; i < 20 && again?.videoId !== id; i++) again = await repo.claim('alive', { tenantBudget: 1, leaseMs: 60_000 });
    expect(again).toMatchObject({ videoId: id, attempt: 2 });
    expect(await repo.complete(job!, 'dead', { blobKey: 'k', bytes: 1, durationSeconds: 1, width: 1, height: 1, pocs: 0 })).toBe(false);
  });
});
