import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FPS, RESOLUTIONS, YearInReviewProps, planVideo, sceneStarts } from '@poc/video-composition';
import { defaultBrowserExecutable, defaultRenderConcurrency } from './env.ts';
import { RemotionRenderer, bundleComposition, removeBundle } from './render/remotion.ts';
import { type VideoHarness, startVideo } from './testing/harness.ts';
import { gatherYear } from './year/gather.ts';

// A real render: the composition bundled with webpack, rendered by Remotion in Debian's Chromium
// through the worker, stored, downloaded and checked with ffprobe/ffmpeg. Short on purpose (360p,
// a quarter of the normal pace: a few seconds of video) so CI stays fast.
const run = promisify(execFile);
const BROWSER = process.env.VIDEO_BROWSER_EXECUTABLE || defaultBrowserExecutable();
const year = new Date().getUTCFullYear();
const PACE = 0.25;
let h: VideoHarness;
let serveUrl: string;
let dir: string;

beforeAll(async () => {
  h = await startVideo();
  dir = await mkdtemp(join(tmpdir(), 'poc-video-e2e-'));
  serveUrl = await bundleComposition();
}, 600_000);
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (serveUrl) await removeBundle(serveUrl);
});

/** Mean and variance of the gray levels of the frame at `seconds`. */
async function frameStats(file: string, seconds: number): Promise<{ mean: number; variance: number; pixels: number }> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', seconds.toFixed(3), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const pixels = stdout.length;
  let sum = 0;
  for (const v of stdout) sum += v;
  const mean = sum / pixels;
  let sq = 0;
  for (const v of stdout) sq += (v - mean) ** 2;
  return { mean, variance: sq / pixels, pixels };
}

describe('year-in-review render (Remotion, Chromium, ffprobe)', () => {
  it('given a missing browser the render fails with the reason; after the fix the next request renders a real H.264 MP4 of the POCs', async () => {
    const u = await h.user(['member'], undefined, 'Ada Lovelace');
    await h.seedPocs(u, [
      { name: 'Kafka outbox relay', languages: ['typescript'], tags: ['kafka', 'events'], status: 'done' },
      { name: 'Fuzzy search', languages: ['sql'], tags: ['search'], status: 'in_progress' },
      { name: 'Yjs dojo', languages: ['typescript'], tags: ['crdt'], status: 'done' },
      { name: 'Remotion video', languages: ['tsx'], tags: ['video'], status: 'idea' },
    ]);
    await h.seedDojo(u, 'Bowling kata', 'typescript');

    // 1. No browser where the worker was told to look: failed, with the reason.
    const broken = await h.startWorker(new RemotionRenderer({ serveUrl, browserExecutable: '/nowhere/chromium', concurrency: 1 }), { pace: PACE, maxAttempts: 2 });
    const { id } = (await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year, resolution: '360p' } })).json() as { id: string };
    const failed = await h.waitFor(u, id, ['failed', 'done'], 60_000);
    expect(failed.status).toBe('failed');
    expect(String(failed.error)).toContain('no browser at /nowhere/chromium');
    await broken.stop();

    // 2. Fixed: a worker with the real browser; asking again renders.
    await h.startWorker(new RemotionRenderer({ serveUrl, browserExecutable: BROWSER, concurrency: defaultRenderConcurrency(BROWSER) }), { pace: PACE, progressIntervalMs: 200 });
    const again = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: u.auth, payload: { year, resolution: '360p' } });
    expect(again.json()).toEqual({ id, status: 'queued' });
    const done = await h.waitFor(u, id, ['done', 'failed'], 540_000);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('done');

    const props = YearInReviewProps.parse(await gatherYear(h.database.db, { tenantId: u.tenantId, userId: u.userId, year, resolution: '360p' }, PACE));
    const plan = planVideo(props, RESOLUTIONS['360p'], FPS);
    expect(done.durationSeconds).toBeCloseTo(plan.durationInFrames / FPS, 3);

    const content = await h.app.inject({ method: 'GET', url: `/v1/videos/${id}/content`, headers: u.auth });
    expect(content.statusCode).toBe(200);
    const file = join(dir, 'video.mp4');
    await writeFile(file, content.rawPayload);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height:format=format_name,duration', '-of', 'json', file]);
    const probe = JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string; width: number; height: number }[]; format: { format_name: string; duration: string } };
    const video = probe.streams.find((s) => s.codec_type === 'video');
    expect(video).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(probe.format.format_name).toContain('mp4');
    expect(Number(probe.format.duration)).toBeCloseTo(plan.durationInFrames / FPS, 1);

    // A frame in the middle of the first POC card is not blank; the dark background alone would be.
    const firstCard = sceneStarts(plan).find((s) => s.scene.kind === 'pocs')!;
    const atCard = await frameStats(file, (firstCard.from + firstCard.scene.frames / 2) / FPS);
    expect(atCard.pixels).toBe(640 * 360);
    expect(atCard.variance).toBeGreaterThan(100);
    const events = (await h.eventsOf(u.tenantId, 'video.')).map((e) => e.type);
    expect(events).toEqual(['video.requested', 'video.failed', 'video.requested', 'video.rendered']);
  }, 600_000);
});
