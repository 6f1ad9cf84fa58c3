import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserMissingError } from '../render/remotion.ts';
import { FakeRenderer } from '../testing/fake-renderer.ts';
import { type VideoHarness, startVideo } from '../testing/harness.ts';

const year = new Date().getUTCFullYear();
let h: VideoHarness;
const renderer = new FakeRenderer();

beforeAll(async () => {
  h = await startVideo();
  await h.startWorker(renderer);
});
afterAll(async () => {
  await h?.close();
});

describe('POST /v1/videos, GET /v1/videos/:id', () => {
  it('given a user with POCs, when they ask twice, then one video is rendered from their POCs of the year and served with Range', async () => {
    const ada = await h.user(['member'], undefined, 'Ada');
    const other = await h.user(['member'], ada.tenantId);
    await h.seedPocs(ada, [{ name: 'Outbox relay', languages: ['typescript'], tags: ['kafka'] }, { name: 'Fuzzy search', languages: ['sql', 'typescript'] }]);
    await h.seedPocs(other, [{ name: 'Not Ada' }]);
    const callsBefore = renderer.calls.length;

    const first = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: ada.auth, payload: { year } });
    expect(first.statusCode).toBe(202);
    const { id, status } = first.json() as { id: string; status: string };
    expect(status).toBe('queued');
    const second = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: ada.auth, payload: { year } });
    expect(second.statusCode).toBe(202);
    expect((second.json() as { id: string }).id).toBe(id);

    const done = await h.waitFor(ada, id, ['done', 'failed']);
    expect(done).toMatchObject({ id, year, status: 'done', progress: 1, durationSeconds: 3, url: `/v1/videos/${id}/content` });
    expect(renderer.calls.length - callsBefore).toBe(1);
    const props = renderer.calls.at(-1)!;
    expect(props.userName).toBe('Ada');
    expect(props.pocs.map((p) => p.name)).toEqual(['Outbox relay', 'Fuzzy search']);
    expect(props.topLanguages).toEqual([{ label: 'typescript', count: 2 }, { label: 'sql', count: 1 }]);
    const events = await h.eventsOf(ada.tenantId, 'video.');
    expect(events.map((e) => e.type)).toEqual(['video.requested', 'video.rendered']);

    const whole = await h.app.inject({ method: 'GET', url: `/v1/videos/${id}/content`, headers: ada.auth });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toBe('video/mp4');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.rawPayload.toString()).toContain('FAKEMP4 Outbox relay|Fuzzy search');
    const part = await h.app.inject({ method: 'GET', url: `/v1/videos/${id}/content`, headers: { ...ada.auth, range: 'bytes=8-19' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 8-19/${whole.rawPayload.length}`);
    expect(part.rawPayload).toEqual(whole.rawPayload.subarray(8, 20));
    const outside = await h.app.inject({ method: 'GET', url: `/v1/videos/${id}/content`, headers: { ...ada.auth, range: `bytes=${whole.rawPayload.length}-` } });
    expect(outside.statusCode).toBe(416);
    expect(outside.headers['content-range']).toBe(`bytes */${whole.rawPayload.length}`);

    // Another user of the same tenant: the video is not theirs.
    for (const url of [`/v1/videos/${id}`, `/v1/videos/${id}/content`]) {
      const res = await h.app.inject({ method: 'GET', url, headers: other.auth });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('given force, then the same video is rendered again', async () => {
    const u = await h.user();
    await h.seedPocs(u, [{ name: 'One' }]);
    const { id } = (await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year } })).json() as { id: string };
    await h.waitFor(u, id, ['done']);
    const again = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year, force: true } });
    expect((again.json() as { id: string; status: string })).toEqual({ id, status: 'queued' });
    await h.waitFor(u, id, ['done']);
    const requested = (await h.eventsOf(u.tenantId, 'video.requested')).map((e) => e.data.generation);
    expect(requested).toEqual([1, 2]);
  });

  it('given a render in progress, then GET shows rendering with its progress', async () => {
    const u = await h.user();
    let release!: () => void;
    renderer.hold = new Promise((r) => (release = r));
    try {
      const { id } = (await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year } })).json() as { id: string };
      const rendering = await h.waitFor(u, id, ['rendering']);
      for (let i = 0; i < 100 && (await h.waitFor(u, id, ['rendering'])).progress === 0; i++) await new Promise((r) => setTimeout(r, 20));
      const during = await h.waitFor(u, id, ['rendering']);
      expect(rendering.status).toBe('rendering');
      expect(during.progress).toBe(0.25);
      release();
      expect(await h.waitFor(u, id, ['done'])).toMatchObject({ status: 'done', progress: 1 });
    } finally {
      renderer.hold = null;
      release?.();
    }
  });

  it('given a forced request while a render runs, then the stale render writes nothing and the new generation is the one rendered', async () => {
    const u = await h.user();
    await h.seedPocs(u, [{ name: 'Before' }]);
    let release!: () => void;
    renderer.hold = new Promise((r) => (release = r));
    try {
      const { id } = (await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year } })).json() as { id: string };
      await h.waitFor(u, id, ['rendering']);
      await h.seedPocs(u, [{ name: 'After' }]);
      expect((await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year, force: true } })).json()).toEqual({ id, status: 'queued' });
      renderer.hold = null;
      release();
      await h.waitFor(u, id, ['done']);
      const events = await h.eventsOf(u.tenantId, 'video.');
      expect(events.map((e) => [e.type, e.data.generation])).toEqual([['video.requested', 1], ['video.requested', 2], ['video.rendered', 2]]);
      expect(renderer.calls.at(-1)!.pocs.map((p) => p.name)).toEqual(['Before', 'After']);
    } finally {
      renderer.hold = null;
      release?.();
    }
  });

  it('given a render that keeps failing (browser missing), then it ends failed with the reason, and the next request after the fix succeeds', async () => {
    const u = await h.user();
    await h.seedPocs(u, [{ name: 'Doomed at first' }]);
    renderer.failWith = new BrowserMissingError('/nowhere/chromium');
    const callsBefore = renderer.calls.length;
    const { id } = (await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year } })).json() as { id: string };
    const failed = await h.waitFor(u, id, ['failed', 'done']);
    expect(failed.status).toBe('failed');
    expect(String(failed.error)).toContain('no browser at /nowhere/chromium');
    expect(renderer.calls.length - callsBefore).toBe(2); // maxAttempts: 2, retried once
    const failedEvents = await h.eventsOf(u.tenantId, 'video.failed');
    expect(failedEvents).toHaveLength(1);
    expect(failedEvents[0]!.data).toMatchObject({ videoId: id, attempts: 2 });
    expect(String(failedEvents[0]!.data.reason)).toContain('/nowhere/chromium');
    const content = await h.app.inject({ method: 'GET', url: `/v1/videos/${id}/content`, headers: u.auth });
    expect(content.statusCode).toBe(409);

    renderer.failWith = null;
    const retry = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year } });
    expect(retry.json()).toEqual({ id, status: 'queued' });
    const done = await h.waitFor(u, id, ['done', 'failed']);
    expect(done.status).toBe('done');
    expect(done).not.toHaveProperty('error');
  });

  it('given an empty year, then the video is still made (a short, kind one), not an error', async () => {
    const u = await h.user();
    const { id } = (await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year: year - 1 } })).json() as { id: string };
    expect((await h.waitFor(u, id, ['done', 'failed'])).status).toBe('done');
    expect(renderer.calls.at(-1)).toMatchObject({ year: year - 1, pocs: [] });
  });

  it.each([
    [{}, 'year'],
    [{ year: 'twenty' }, 'year'],
    [{ year: 1900 }, 'year'],
    [{ year: 2024, resolution: '4k' }, 'resolution'],
    [{ year: 2024, extra: true }, 'extra'],
  ])('given the body %j, then 400 problem+json naming %s, and nothing is queued', async (payload, field) => {
    const u = await h.user();
    const res = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(res.json())).toContain(field);
    expect(await h.eventsOf(u.tenantId, 'video.')).toEqual([]);
  });

  it('given a year in the future, then 422 and nothing is queued', async () => {
    const u = await h.user();
    const res = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year: year + 1 } });
    expect(res.statusCode).toBe(422);
    expect(await h.eventsOf(u.tenantId, 'video.')).toEqual([]);
  });

  it('given a malformed id, then 400; an unknown one, then 404', async () => {
    const u = await h.user();
    expect((await h.app.inject({ method: 'GET', url: '/v1/videos/not-a-uuid', headers: u.auth })).statusCode).toBe(400);
    expect((await h.app.inject({ method: 'GET', url: '/v1/videos/0192f3a1-7c4e-7b8a-9c1d-3e5f7a9b1c2d', headers: u.auth })).statusCode).toBe(404);
  });
});

describe('POST /v1/videos/year-end', () => {
  it('given users with and without POCs this year, then one video is requested per user with POCs, once', async () => {
    const owner = await h.user(['owner']);
    const a = await h.user(['member'], owner.tenantId);
    const b = await h.user(['member'], owner.tenantId);
    await h.user(['member'], owner.tenantId);
    const stranger = await h.user(['member']);
    await h.seedPocs(a, [{ name: 'A1' }, { name: 'A2' }]);
    await h.seedPocs(b, [{ name: 'B1' }]);
    await h.seedPocs(stranger, [{ name: 'elsewhere' }]);

    const member = await h.app.inject({ method: 'POST', url: '/v1/videos/year-end', headers: a.auth, payload: { year } });
    expect(member.statusCode).toBe(403);
    const res = await h.app.inject({ method: 'POST', url: '/v1/videos/year-end', headers: owner.auth, payload: { year } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ year, requested: 2, alreadyThere: 0 });
    const again = await h.app.inject({ method: 'POST', url: '/v1/videos/year-end', headers: owner.auth, payload: { year } });
    expect(again.json()).toEqual({ year, requested: 0, alreadyThere: 2 });
    const requested = await h.eventsOf(owner.tenantId, 'video.requested');
    expect(requested.map((e) => e.data.userId).sort()).toEqual([a.userId, b.userId].sort());
    expect(await h.eventsOf(stranger.tenantId, 'video.')).toEqual([]);
  });
});
