import type { Kysely } from 'kysely';
import { type App, type BlobStore, type TokenVerifier, authPlugin, createApp, databaseCheck } from '@poc/platform';
import type { Env } from './env.ts';
import { videoRoutes } from './routes/videos.ts';
import { VideoRepository } from './store/videos.ts';

export interface Deps {
  env: Env;
  /** Migrated with `migrateVideo` (server.ts does it at start). */
  db: Kysely<unknown>;
  blobs: BlobStore;
  verifier: TokenVerifier;
  /** Called when a request queued a render (wakes this process's worker at once). */
  onQueued?: () => void;
  logger?: boolean;
}

/** The video service: the year-in-review API (`/v1/videos`); the render worker runs beside it (server.ts). */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({ service: 'video', env: deps.env, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
  app.addReadinessCheck('postgres', databaseCheck(deps.db));
  app.addReadinessCheck('blobs', () => deps.blobs.ping());
  await app.register(authPlugin, { verifier: deps.verifier });
  await app.register(videoRoutes, {
    db: deps.db,
    videos: new VideoRepository(deps.db),
    blobs: deps.blobs,
    signedUrlSeconds: deps.env.VIDEO_SIGNED_URL_SECONDS,
    ...(deps.onQueued ? { onQueued: deps.onQueued } : {}),
  });
  return app;
}
