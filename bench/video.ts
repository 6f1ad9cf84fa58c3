/**
 * The year-in-review render (issue #9): a 30-second 720p video of a user with
 * 40 POCs, rendered through the worker (POST /v1/videos → the worker claims it,
 * gathers the year from the events, renders, stores the MP4, GET shows `done`)
 * beside a bare `selectComposition` + `renderMedia` of the same bundle, props
 * and options (one browser for both, as the worker does) in the same run: the
 * worker's overhead, and frames per second.
 *
 *   pnpm bench:video   (DATABASE_URL, else the local PostgreSQL on :5432; VIDEO_BROWSER_EXECUTABLE and
 *                       VIDEO_RENDER_CONCURRENCY as the service reads them (unset: the service's defaults),
 *                       BENCH_ROUNDS (2), BENCH_POCS (40), BENCH_RESOLUTION (720p))
 *
 * Rounds alternate which of the two goes first (worker, bare, then bare,
 * worker: a load that rises or falls during the run weighs on both alike).
 * Beside the wall time, the CPU seconds of each render (this process, the
 * browser, ffmpeg) are printed: they barely move with other work on the two
 * cores, so they show the worker's overhead even on a busy machine.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBrowser, renderMedia, selectComposition } from '@remotion/renderer';
import { FsBlobStore, PostgresEventStore, PostgresLogEventBus } from '@poc/platform';
import { COMPOSITION_ID, type Resolution, YearInReviewProps } from '@poc/video-composition';
import { createTestDatabase } from '../services/platform/src/testing/database.ts';
import { createTestIssuer } from '../services/platform/src/testing/tokens.ts';
import { buildApp } from '../services/video/src/app.ts';
import { loadServiceEnv } from '../services/video/src/env.ts';
import { RENDER_MEDIA_OPTIONS, RemotionRenderer, bundleComposition, removeBundle } from '../services/video/src/render/remotion.ts';
import { migrateVideo } from '../services/video/src/store/migrations.ts';
import { VideoWorker } from '../services/video/src/worker/worker.ts';
import { gatherYear } from '../services/video/src/year/gather.ts';
import { sampleTreeCpu } from './lib.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const pocCount = Number(process.env.BENCH_POCS ?? 40);
const resolution = (process.env.BENCH_RESOLUTION ?? '720p') as Resolution;
const year = new Date().getUTCFullYear();
const LANGUAGES = ['typescript', 'go', 'rust', 'python', 'java', 'sql', 'kotlin', 'elixir'];
const TAGS = ['kafka', 'search', 'crdt', 'events', 'video', 'aws', 'k8s', 'auth', 'ml', 'cli', 'wasm', 'perf'];
const STATUSES = ['done', 'in_progress', 'idea', 'abandoned'] as const;
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

const database = await createTestDatabase('poc_video_bench');
const dir = mkdtempSync(join(tmpdir(), 'poc-video-bench-'));
const store = new PostgresEventStore(database.db, { url: database.url });
const bus = new PostgresLogEventBus(database.db, store);
let worker: VideoWorker | undefined;
let serveUrl: string | undefined;
try {
  await migrateVideo(database.db);
  const issuer = await createTestIssuer();
  const blobs = new FsBlobStore({ root: join(dir, 'blobs') });
  const env = loadServiceEnv({
    DATABASE_URL: database.url,
    LOG_LEVEL: 'silent',
    VIDEO_WORKER: 'false',
    VIDEO_BROWSER_EXECUTABLE: process.env.VIDEO_BROWSER_EXECUTABLE,
    VIDEO_RENDER_CONCURRENCY: process.env.VIDEO_RENDER_CONCURRENCY,
  });
  // The browser and tabs the service would render with here, for both the worker and the bare render.
  const { VIDEO_BROWSER_EXECUTABLE: browserExecutable, VIDEO_RENDER_CONCURRENCY: concurrency } = env;
  const app = await buildApp({ env, db: database.db, blobs, verifier: issuer.verifier, onQueued: () => worker?.wake(), logger: false });
  await app.ready();

  // A user with a year of POCs and dojos, written as the services write them.
  const tenantId = randomUUID();
  const userId = randomUUID();
  const ctx = () => ({ tenantId, actor: `user:${userId}`, correlationId: randomUUID() });
  await store.append(`user-${userId}`, 'no_stream', [{ type: 'user.registered', schemaVersion: 1, data: { userId, email: 'ada@example.com', displayName: 'Ada Lovelace', roles: ['member'] } }], ctx());
  for (let i = 0; i < pocCount; i++) {
    const data = {
      name: `POC ${i + 1}: ${TAGS[i % TAGS.length]} with ${LANGUAGES[i % LANGUAGES.length]}`,
      description: '',
      languages: [LANGUAGES[i % LANGUAGES.length]!, ...(i % 3 === 0 ? [LANGUAGES[(i + 3) % LANGUAGES.length]!] : [])],
      tags: [TAGS[i % TAGS.length]!, TAGS[(i * 7) % TAGS.length]!].filter((t, k, all) => all.indexOf(t) === k),
      repoUrl: null,
      status: STATUSES[i % STATUSES.length]!,
      startedAt: null,
      finishedAt: null,
    };
    await store.append(`poc-${randomUUID()}`, 'no_stream', [{ type: 'poc.created', schemaVersion: 2, data }], ctx());
  }
  for (const title of ['Bowling kata', 'Game of life', 'Roman numerals']) {
    const now = new Date().toISOString();
    await store.append(`dojo-${randomUUID()}`, 'no_stream', [
      { type: 'dojo.scheduled', schemaVersion: 1, data: { title, kata: null, language: 'typescript', starterCode: '', scheduledAt: null, rotationMinutes: 7, createdBy: userId, createdAt: now } },
      { type: 'dojo.participant_joined', schemaVersion: 1, data: { userId, displayName: 'Ada', kind: 'editor', joinedAt: now } },
    ], ctx());
  }
  // A fresh token per request: a run outlives a token (15 minutes).
  const auth = async () => ({ authorization: `Bearer ${await issuer.token({ tenantId, userId, roles: ['member'] })}` });

  console.log(`load average at start: ${load()} (2 cores); browser ${browserExecutable}, ${concurrency} tab(s)`);
  const t = performance.now();
  serveUrl = await bundleComposition();
  console.log(`bundle (once, at worker start-up): ${seconds(performance.now() - t)} s`);

  const props = YearInReviewProps.parse(await gatherYear(database.db, { tenantId, userId, year, resolution }));
  const renderer = new RemotionRenderer({ serveUrl, browserExecutable, concurrency });
  worker = new VideoWorker({
    db: database.db,
    bus,
    blobs,
    renderer,
    options: { workerId: 'bench', maxRenders: 1, tenantBudget: 1, maxAttempts: 1, retryBaseMs: 0, leaseMs: 600_000, progressIntervalMs: 1_000, pollMs: 1_000, workDir: join(dir, 'work'), pace: 1 },
  });
  await worker.start();

  async function bare(): Promise<{ ms: number; frames: number; bytes: number }> {
    const output = join(dir, 'bare.mp4');
    const start = performance.now();
    const browser = await openBrowser('chrome', { browserExecutable, logLevel: 'error' });
    try {
      const composition = await selectComposition({ serveUrl: serveUrl!, id: COMPOSITION_ID, inputProps: props, puppeteerInstance: browser, browserExecutable, logLevel: 'error' });
      await renderMedia({ ...RENDER_MEDIA_OPTIONS, serveUrl: serveUrl!, composition, inputProps: props, outputLocation: output, puppeteerInstance: browser, browserExecutable, concurrency, overwrite: true });
      const ms = performance.now() - start;
      return { ms, frames: composition.durationInFrames, bytes: statSync(output).size };
    } finally {
      await browser.close({ silent: true });
    }
  }

  let requests = 0;
  async function throughWorker(): Promise<{ ms: number; frames: number; bytes: number; durationSeconds: number }> {
    const start = performance.now();
    const posted = await app.inject({ method: 'POST', url: '/v1/videos', headers: await auth(), payload: { year, resolution, force: requests++ > 0 } });
    if (posted.statusCode !== 202) throw new Error(`POST /v1/videos answered ${posted.statusCode}: ${posted.body}`);
    const { id } = posted.json() as { id: string };
    for (;;) {
      const res = await app.inject({ method: 'GET', url: `/v1/videos/${id}`, headers: await auth() });
      if (res.statusCode !== 200) throw new Error(`GET /v1/videos/${id} answered ${res.statusCode}: ${res.body}`);
      const body = res.json() as { status: string; durationSeconds?: number; error?: string };
      if (body.status === 'failed') throw new Error(`the worker's render failed: ${body.error}`);
      if (body.status === 'done') {
        const ms = performance.now() - start;
        const content = await app.inject({ method: 'GET', url: `/v1/videos/${id}/content`, headers: await auth() });
        return { ms, frames: Math.round(body.durationSeconds! * 30), bytes: content.rawPayload.length, durationSeconds: body.durationSeconds! };
      }
      // Asked again when an event is appended (the worker's `video.rendered`), else every 2 s: the
      // API runs in this process beside the render, and polling it every 500 ms slowed two-tab
      // renders by ~10% (more than the worker itself costs them).
      await store.waitForEvents(2_000);
    }
  }

  const rows: { round: number; kind: string; ms: number; cpuSeconds: number; frames: number; bytes: number; load: string }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? (['worker', 'bare'] as const) : (['bare', 'worker'] as const);
    for (const kind of order) {
      const cpu = sampleTreeCpu();
      const r = kind === 'bare' ? await bare() : await throughWorker();
      const cpuSeconds = cpu.stop().seconds;
      rows.push({ round, kind, ms: r.ms, cpuSeconds, frames: r.frames, bytes: r.bytes, load: load() });
      console.log(`round ${round} ${kind.padEnd(6)}: ${seconds(r.ms)} s for ${r.frames} frames (${(r.frames / (r.ms / 1000)).toFixed(1)} fps), CPU ${cpuSeconds.toFixed(1)} s, ${(r.bytes / 1024 / 1024).toFixed(2)} MiB, load ${load()}`);
    }
  }
  const total = (kind: string, of: 'ms' | 'cpuSeconds' = 'ms') => rows.filter((r) => r.kind === kind).reduce((n, r) => n + r[of], 0);
  const frames = rows[0]!.frames;
  console.log('');
  console.log(`| ${pocCount} POCs, ${resolution}, ${(frames / 30).toFixed(1)} s video (${frames} frames), mean of ${rounds} | time | fps | CPU (all processes) | CPU per frame |`);
  console.log('| --- | --- | --- | --- | --- |');
  for (const kind of ['worker', 'bare']) {
    const ms = total(kind) / rounds;
    const cpu = total(kind, 'cpuSeconds') / rounds;
    console.log(`| ${kind === 'worker' ? 'through the worker (POST → done)' : 'bare renderMedia'} | ${seconds(ms)} s | ${(frames / (ms / 1000)).toFixed(1)} | ${cpu.toFixed(1)} s | ${((cpu * 1000) / frames).toFixed(1)} ms |`);
  }
  console.log(`worker / bare: ${(total('worker') / total('bare')).toFixed(3)}x wall (goal ≤ 1.1x), ${(total('worker', 'cpuSeconds') / total('bare', 'cpuSeconds')).toFixed(3)}x CPU; worker ${seconds(total('worker') / rounds)} s (goal ≤ 90 s); load at the end ${load()}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/video-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, JSON.stringify({ pocCount, resolution, browserExecutable, concurrency, frames, rows }, null, 2));
  await app.close();
} finally {
  await worker?.stop();
  await bus.close();
  await store.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
  if (serveUrl) await removeBundle(serveUrl);
}
