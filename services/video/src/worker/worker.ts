import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { type VideoRequestedData, videoEvents } from '@poc/contracts';
import { type BlobStore, type BusLogger, type EventBus, type Subscription, topicFor } from '@poc/platform';
import type { VideoRenderer } from '../render/remotion.ts';
import { type Job, VideoRepository } from '../store/videos.ts';
import { gatherYear } from '../year/gather.ts';

export interface WorkerOptions {
  /** Names this worker's claims (a pod name, a process id). */
  readonly workerId: string;
  /** Renders this process runs at once. */
  readonly maxRenders: number;
  /** Renders one tenant may have running at once, across every worker. */
  readonly tenantBudget: number;
  /** Attempts of one render before it ends `failed`. */
  readonly maxAttempts: number;
  /** First retry delay; doubles with each attempt. */
  readonly retryBaseMs: number;
  /** How long a claim lasts without progress before another worker may take the render over. */
  readonly leaseMs: number;
  /** Progress is written at most this often. */
  readonly progressIntervalMs: number;
  /** How often the queue is looked at when nothing wakes the worker (retries coming due, other producers). */
  readonly pollMs: number;
  /** Where MP4s are rendered before they go to the blob store. */
  readonly workDir: string;
  /** Scene length multiplier handed to the composition (1 = normal). */
  readonly pace: number;
}

export interface WorkerDeps {
  readonly db: Kysely<unknown>;
  readonly bus: EventBus;
  readonly blobs: BlobStore;
  readonly renderer: VideoRenderer;
  readonly options: WorkerOptions;
  readonly logger?: BusLogger;
}

export const WORKER_GROUP = 'video-worker';
export const blobKeyOf = (job: Pick<Job, 'year' | 'videoId' | 'generation'>) => `videos/${job.year}/${job.videoId}-g${job.generation}.mp4`;
const silent: BusLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * The render worker. It consumes `video.requested` from the event bus (each
 * one makes sure its render is queued, then wakes the scheduler), and claims
 * queued renders from `video.videos` fairly across tenants within their
 * budget. A render gathers the user's year from the events, renders the
 * composition (bundled once, at start-up), stores the MP4 through the blob
 * port and ends `done` with `video.rendered`; a failure is retried with
 * exponential backoff, then ends `failed` with `video.failed` and the reason.
 */
export class VideoWorker {
  private readonly repo: VideoRepository;
  private readonly logger: BusLogger;
  private readonly running = new Map<string, { job: Job; done: Promise<void>; abort: AbortController }>();
  private subscription: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(private readonly deps: WorkerDeps) {
    this.repo = new VideoRepository(deps.db);
    this.logger = deps.logger ?? silent;
  }

  async start(): Promise<void> {
    await mkdir(this.deps.options.workDir, { recursive: true });
    this.subscription = await this.deps.bus.subscribe({
      group: WORKER_GROUP,
      topics: [topicFor('video.requested')],
      // An event that cannot be read (invalid data) is parked as a dead letter instead of stopping the worker.
      maxAttempts: 5,
      handle: async (batch) => {
        for (const { event } of batch) {
          if (event.type !== 'video.requested') continue;
          const { data } = videoEvents.upcast(event) as { data: VideoRequestedData };
          await this.repo.ensureQueued(event.tenantId, data, new Date(event.occurredAt));
        }
        this.wake();
      },
    });
    this.loop = this.schedule();
  }

  /** Look at the queue now (a request came in, a render finished). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** The renders in flight in this process. */
  get inFlight(): readonly Job[] {
    return [...this.running.values()].map((r) => r.job);
  }

  private async schedule(): Promise<void> {
    const { options } = this.deps;
    while (!this.stopped) {
      this.woken = false;
      try {
        while (!this.stopped && this.running.size < options.maxRenders) {
          const job = await this.repo.claim(options.workerId, { tenantBudget: options.tenantBudget, leaseMs: options.leaseMs });
          if (!job) break;
          const abort = new AbortController();
          const done = this.run(job, abort).finally(() => {
            this.running.delete(job.videoId);
            this.wake();
          });
          this.running.set(job.videoId, { job, done, abort });
        }
      } catch (error) {
        this.logger.error({ err: error }, 'video worker: claiming a render failed');
      }
      if (this.stopped || this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private async run(job: Job, abort: AbortController): Promise<void> {
    const { options, renderer, blobs, db } = this.deps;
    const { signal } = abort;
    // A new request (force) while this render runs makes it stale: stop it, the next generation is queued.
    let superseded = false;
    const output = join(options.workDir, `${job.videoId}-g${job.generation}-a${job.attempt}.mp4`);
    let lastWrite = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const onProgress = (progress: number) => {
      const now = Date.now();
      if (now - lastWrite < options.progressIntervalMs) return;
      lastWrite = now;
      writing = writing
        .then(async () => {
          if (!(await this.repo.progress(job, options.workerId, progress, options.leaseMs))) {
            superseded = true;
            abort.abort();
          }
        })
        .catch(() => undefined);
    };
    try {
      const props = await gatherYear(db, job, options.pace);
      const result = await renderer.render(props, { outputLocation: output, onProgress, signal });
      await writing;
      const blobKey = blobKeyOf(job);
      const { size } = await stat(output);
      await blobs.put(job.tenantId, blobKey, createReadStream(output), { contentType: 'video/mp4' });
      const stored = await this.repo.complete(job, options.workerId, {
        blobKey,
        bytes: size,
        durationSeconds: result.durationSeconds,
        width: result.width,
        height: result.height,
        pocs: props.pocs.length,
      });
      this.logger.info({ videoId: job.videoId, tenantId: job.tenantId, generation: job.generation, stored }, 'video rendered');
    } catch (error) {
      await writing;
      if (superseded) {
        this.logger.info({ videoId: job.videoId, generation: job.generation }, 'video render superseded by a newer request');
        return;
      }
      if (signal.aborted) {
        await this.repo.fail(job, options.workerId, 'the worker stopped during the render', new Date()).catch(() => undefined);
        return;
      }
      const reason = error instanceof Error ? error.message : String(error);
      const retryAt = job.attempt < options.maxAttempts ? new Date(Date.now() + options.retryBaseMs * 2 ** (job.attempt - 1)) : null;
      this.logger.warn({ videoId: job.videoId, tenantId: job.tenantId, attempt: job.attempt, retryAt, reason }, 'video render failed');
      await this.repo.fail(job, options.workerId, reason, retryAt).catch((e: unknown) => this.logger.error({ err: e }, 'video worker: recording a failure failed'));
    } finally {
      await rm(output, { force: true });
    }
  }

  /** Stop consuming and claiming; renders in flight are cancelled and queued again for the next worker. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.subscription?.close();
    for (const r of this.running.values()) r.abort.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
    await this.loop;
  }
}
