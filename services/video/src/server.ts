import { PostgresEventStore, createBlobStore, createDatabase, createEventBus, createTokenVerifier, runService } from '@poc/platform';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';
import { RemotionRenderer, bundleComposition, removeBundle } from './render/remotion.ts';
import { migrateVideo } from './store/migrations.ts';
import { workerOptions } from './worker/from-env.ts';
import { VideoWorker } from './worker/worker.ts';

// The API and, unless VIDEO_WORKER=false, the render worker in one process: a
// render is one Chromium driven from here, so scaling the video pods scales
// both (the claim queue in PostgreSQL lets any number share the work). An
// API-only deployment sets VIDEO_WORKER=false beside worker pods. The browser
// was checked by loadServiceEnv (exit 78 when missing).
await runService(loadServiceEnv, async (env) => {
  const db = createDatabase({ url: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'video' });
  await migrateVideo(db);
  const store = new PostgresEventStore(db, { url: env.DATABASE_URL });
  const blobs = await createBlobStore(env);
  const verifier = createTokenVerifier({ issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwksUrl: env.JWKS_URL });
  let worker: VideoWorker | undefined;
  let serveUrl: string | undefined;
  const app = await buildApp({ env, db, blobs, verifier, onQueued: () => worker?.wake() });
  const bus = env.VIDEO_WORKER ? await createEventBus(env, { db, store, clientId: 'video', logger: app.log }) : undefined;
  // The bundle (webpack, once per process) is built while the API already answers: requests wait
  // in the queue meanwhile. A bundle that cannot be built is a broken deployment: stop.
  const starting = bus
    ? (async () => {
        const started = Date.now();
        serveUrl = await bundleComposition();
        const renderer = new RemotionRenderer({ serveUrl, browserExecutable: env.VIDEO_BROWSER_EXECUTABLE, concurrency: env.VIDEO_RENDER_CONCURRENCY });
        worker = new VideoWorker({ db, bus, blobs, renderer, options: workerOptions(env), logger: app.log });
        await worker.start();
        app.log.info({ bundleMs: Date.now() - started, browser: env.VIDEO_BROWSER_EXECUTABLE }, 'video worker started');
      })().catch((error: unknown) => {
        app.log.fatal({ err: error }, 'the video worker could not start');
        process.exit(1);
      })
    : Promise.resolve();
  return {
    app,
    close: async () => {
      await starting;
      await worker?.stop();
      await bus?.close();
      if (serveUrl) await removeBundle(serveUrl);
      await store.close();
      await db.destroy();
    },
  };
});
