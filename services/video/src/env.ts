import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { ConfigError, authEnv, commonEnv, databaseEnv, enginesEnv, loadEnv } from '@poc/platform';

/** The video service's configuration (API and render worker): see the root README for every variable. */
export const Env = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  ...authEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8086 }),
  /** Kafka brokers: the worker consumes `videos.events.v1` there (fed by the outbox relay); unset: the event store's log. */
  KAFKA_BROKERS: enginesEnv.KAFKA_BROKERS,
  S3_BUCKET: enginesEnv.S3_BUCKET,
  S3_REGION: enginesEnv.S3_REGION,
  S3_ENDPOINT: enginesEnv.S3_ENDPOINT,
  S3_FORCE_PATH_STYLE: enginesEnv.S3_FORCE_PATH_STYLE,
  S3_MULTIPART_THRESHOLD_BYTES: enginesEnv.S3_MULTIPART_THRESHOLD_BYTES,
  BLOBS_DIR: enginesEnv.BLOBS_DIR,
  /** Run the render worker in this process (`false`: API only, for a separate worker deployment). */
  VIDEO_WORKER: Type.Boolean({ default: true }),
  /**
   * Chrome/Chromium the worker renders with; checked at start-up (Remotion would otherwise try to download one).
   * Unset: `defaultBrowserExecutable()`.
   */
  VIDEO_BROWSER_EXECUTABLE: Type.String({ minLength: 1 }),
  /** Browser tabs per render (Remotion's `concurrency`). Unset: `defaultRenderConcurrency(browser)`. */
  VIDEO_RENDER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 16 }),
  /** Renders this process runs at once. */
  VIDEO_MAX_RENDERS: Type.Integer({ minimum: 1, maximum: 16, default: 1 }),
  /** Renders one tenant may have running at once, over every worker. */
  VIDEO_TENANT_MAX_RENDERS: Type.Integer({ minimum: 1, default: 1 }),
  /** Attempts of a render before it ends `failed`. */
  VIDEO_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
  /** First retry delay in ms; doubles with each attempt. */
  VIDEO_RETRY_BASE_MS: Type.Integer({ minimum: 0, default: 5_000 }),
  /** A claimed render without progress for this long is taken over by another worker. */
  VIDEO_LEASE_MS: Type.Integer({ minimum: 1_000, default: 120_000 }),
  /** Progress is written at most this often. */
  VIDEO_PROGRESS_INTERVAL_MS: Type.Integer({ minimum: 0, default: 1_000 }),
  /** How often the worker looks at the queue when nothing wakes it. */
  VIDEO_POLL_MS: Type.Integer({ minimum: 50, default: 5_000 }),
  /** Scene length multiplier: 1 normal, down to 0.1 for quick previews. */
  VIDEO_PACE: Type.Number({ minimum: 0.1, maximum: 1, default: 1 }),
  /** Where MP4s are written before they go to the blob store. */
  VIDEO_WORK_DIR: Type.String({ default: join(tmpdir(), 'poc-video'), minLength: 1 }),
  /** Lifetime of the presigned URL `GET /v1/videos/:id/content` redirects to (S3). */
  VIDEO_SIGNED_URL_SECONDS: Type.Integer({ minimum: 10, maximum: 604_800, default: 300 }),
});
export type Env = Static<typeof Env>;

/**
 * Where the worker looks for a browser when VIDEO_BROWSER_EXECUTABLE is unset, best first. Debian's
 * headless shell (`apt-get install chromium-headless-shell`, the old headless mode Remotion is made
 * for) renders the same pixels as the full browser for about 15% less CPU and starts faster:
 * the full browser runs the new headless mode, with its browser UI processes.
 */
export const BROWSER_CANDIDATES = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'] as const;

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first of `candidates` installed here; the last one (the one to install) when none is. */
export const defaultBrowserExecutable = (candidates: readonly string[] = BROWSER_CANDIDATES): string => candidates.find(isExecutable) ?? candidates.at(-1)!;

/**
 * Tabs per render when VIDEO_RENDER_CONCURRENCY is unset, measured on two cores: the headless shell
 * renders two tabs at the CPU cost of one per frame, ~1.6x the frames per second of one tab; the
 * full browser spends ~27% more CPU per frame on a second tab and gets no faster, so it keeps one.
 */
export const defaultRenderConcurrency = (browser: string): number => (/headless[-_]shell/.test(basename(browser)) ? 2 : 1);

/**
 * The configuration, with the worker's browser checked: no executable at
 * `VIDEO_BROWSER_EXECUTABLE` stops start-up (exit 78) with a message naming it.
 */
export const loadServiceEnv = (source: Record<string, string | undefined> = process.env): Env => {
  const browser = source.VIDEO_BROWSER_EXECUTABLE || defaultBrowserExecutable();
  const env = loadEnv(Env, {
    ...source,
    VIDEO_BROWSER_EXECUTABLE: browser,
    VIDEO_RENDER_CONCURRENCY: source.VIDEO_RENDER_CONCURRENCY || String(defaultRenderConcurrency(browser)),
  });
  if (env.VIDEO_WORKER) {
    if (!isExecutable(env.VIDEO_BROWSER_EXECUTABLE)) {
      throw new ConfigError([
        {
          setting: 'VIDEO_BROWSER_EXECUTABLE',
          message: `no browser at ${env.VIDEO_BROWSER_EXECUTABLE}: install Chromium (apt-get install chromium-headless-shell, or chromium) or point it at a Chrome/Chromium binary`,
        },
      ]);
    }
  }
  return env;
};

/** What the year-end command needs: the database. */
export const YearEndEnv = Type.Object({ ...databaseEnv });
export const loadYearEndEnv = (source: Record<string, string | undefined> = process.env) => loadEnv(YearEndEnv, source);
