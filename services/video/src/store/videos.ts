import { type Kysely, type Transaction, sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Video, VideoEvent, VideoRequestedData, VideoResolution, VideoStatus } from '@poc/contracts';
import { type AppendContext, appendInTransaction, asSystem, withTenant } from '@poc/platform';

/** A row of `video.videos`. */
export interface VideoRow {
  tenant_id: string;
  id: string;
  user_id: string;
  year: number;
  resolution: VideoResolution;
  generation: number;
  status: VideoStatus;
  progress: number;
  attempts: number;
  next_attempt_at: Date;
  claimed_by: string | null;
  lease_until: Date | null;
  started_at: Date | null;
  duration_seconds: number | null;
  blob_key: string | null;
  bytes: string | number | null;
  error: string | null;
  requested_at: Date;
  updated_at: Date;
}

/** A render the worker claimed: which video, which generation, which attempt. */
export interface Job {
  readonly tenantId: string;
  readonly videoId: string;
  readonly userId: string;
  readonly year: number;
  readonly resolution: VideoResolution;
  readonly generation: number;
  readonly attempt: number;
}

export interface RequestVideo {
  readonly tenantId: string;
  readonly userId: string;
  readonly year: number;
  readonly force: boolean;
  readonly resolution?: VideoResolution | undefined;
  /** For the event's envelope: `user:<id>` or `system:year-end`. */
  readonly actor: string;
  readonly correlationId: string;
  readonly traceparent?: string | null;
}

export interface Requested {
  readonly id: string;
  readonly status: VideoStatus;
  /** True when this request queued a render (and appended `video.requested`); false when it returned the existing video. */
  readonly queued: boolean;
}

export const streamOf = (videoId: string) => `video-${videoId}`;
export const contentUrl = (videoId: string) => `/v1/videos/${videoId}/content`;
const WORKER_ACTOR = 'system:video-worker';

/** The API's view of a row. */
export function toVideo(row: VideoRow): Video {
  return {
    id: row.id,
    year: row.year,
    status: row.status,
    progress: row.status === 'done' ? 1 : row.progress,
    ...(row.duration_seconds !== null && row.status === 'done' ? { durationSeconds: row.duration_seconds } : {}),
    ...(row.status === 'done' ? { url: contentUrl(row.id) } : {}),
    ...(row.error !== null && row.status === 'failed' ? { error: row.error } : {}),
    resolution: row.resolution,
    requestedAt: row.requested_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

async function append(trx: Transaction<unknown>, row: Pick<VideoRow, 'tenant_id' | 'id'>, event: VideoEvent, ctx: Omit<AppendContext, 'tenantId'>) {
  await appendInTransaction(trx, streamOf(row.id), 'any', [event], { ...ctx, tenantId: row.tenant_id });
}

/**
 * The videos: requests (one per user and year), the queue the worker claims
 * from, and the outcome of each render, each change written with its event
 * (`video.requested`, `video.rendered`, `video.failed`) in one transaction.
 */
export class VideoRepository {
  constructor(private readonly db: Kysely<unknown>) {}

  /**
   * `POST /v1/videos`: the user's video of the year. A first request, a
   * forced one, or one after a failure queues a render (the next generation)
   * and appends `video.requested`; any other returns the video as it is.
   */
  async request(r: RequestVideo): Promise<Requested> {
    return withTenant(this.db, r.tenantId, async (trx) => {
      const now = new Date();
      const inserted = await sql<VideoRow>`
        insert into video.videos (tenant_id, id, user_id, year, resolution, generation, status, requested_at, updated_at)
        values (${r.tenantId}, ${uuidv7()}, ${r.userId}, ${r.year}, ${r.resolution ?? '720p'}, 1, 'queued', ${now}, ${now})
        on conflict (tenant_id, user_id, year) do nothing
        returning *`.execute(trx);
      let row = inserted.rows[0];
      if (!row) {
        const existing = (await sql<VideoRow>`
          select * from video.videos where tenant_id = ${r.tenantId} and user_id = ${r.userId} and year = ${r.year} for update`.execute(trx)).rows[0]!;
        if (!r.force && existing.status !== 'failed') return { id: existing.id, status: existing.status, queued: false };
        row = (await sql<VideoRow>`
          update video.videos set generation = generation + 1, status = 'queued', progress = 0, attempts = 0, next_attempt_at = ${now},
            claimed_by = null, lease_until = null, error = null, resolution = ${r.resolution ?? existing.resolution}, requested_at = ${now}, updated_at = ${now}
          where id = ${existing.id} returning *`.execute(trx)).rows[0]!;
      }
      const data: VideoRequestedData = {
        videoId: row.id,
        userId: row.user_id,
        year: row.year,
        generation: row.generation,
        force: r.force,
        resolution: row.resolution,
        requestedBy: r.actor,
      };
      await append(trx, row, { type: 'video.requested', schemaVersion: 1, data }, { actor: r.actor, correlationId: r.correlationId, causationId: null, traceparent: r.traceparent ?? null });
      return { id: row.id, status: row.status, queued: true };
    });
  }

  /** The caller's own video: another user's or another tenant's is `null` (a 404, never told apart). */
  async get(tenantId: string, userId: string, id: string): Promise<VideoRow | null> {
    return withTenant(this.db, tenantId, async (trx) => {
      const result = await sql<VideoRow>`select * from video.videos where id = ${id} and user_id = ${userId}`.execute(trx);
      return result.rows[0] ?? null;
    });
  }

  /**
   * A `video.requested` seen on the bus: make sure its render is queued. The
   * row is normally there already (written with the event); a request from
   * a producer that only emitted the event gets its row here. An older
   * generation than the row's is stale and ignored.
   */
  async ensureQueued(tenantId: string, data: VideoRequestedData, requestedAt: Date): Promise<void> {
    await withTenant(this.db, tenantId, async (trx) => {
      await sql`
        insert into video.videos (tenant_id, id, user_id, year, resolution, generation, status, requested_at, updated_at)
        values (${tenantId}, ${data.videoId}, ${data.userId}, ${data.year}, ${data.resolution}, ${data.generation}, 'queued', ${requestedAt}, now())
        on conflict (id) do update set generation = excluded.generation, status = 'queued', progress = 0, attempts = 0,
          next_attempt_at = now(), error = null, claimed_by = null, lease_until = null, updated_at = now()
        where video.videos.generation < excluded.generation`.execute(trx);
    });
  }

  /**
   * Claim the next render for `workerId`: due, queued, of a tenant under its
   * budget of concurrent renders, the tenant that started a render least
   * recently first (round robin, so one tenant's thousand requests do not
   * starve another's one). Claims are serialised by an advisory lock, so the
   * budget holds across worker processes. The claim is a lease: a worker that
   * dies leaves it to expire and the render is queued again.
   */
  async claim(workerId: string, options: { tenantBudget: number; leaseMs: number }): Promise<Job | null> {
    return asSystem(this.db, async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('video-claim'))`.execute(trx);
      await sql`
        update video.videos set status = 'queued', claimed_by = null, lease_until = null, next_attempt_at = now(), updated_at = now()
        where status = 'rendering' and lease_until < now()`.execute(trx);
      const result = await sql<VideoRow>`
        with candidate as (
          select v.id from video.videos v
          where v.status = 'queued' and v.next_attempt_at <= now()
            and (select count(*) from video.videos r where r.tenant_id = v.tenant_id and r.status = 'rendering') < ${options.tenantBudget}
          order by (select max(r.started_at) from video.videos r where r.tenant_id = v.tenant_id) asc nulls first, v.next_attempt_at, v.requested_at
          limit 1
        )
        update video.videos v set status = 'rendering', attempts = v.attempts + 1, claimed_by = ${workerId},
          lease_until = now() + ${`${options.leaseMs} milliseconds`}::interval, started_at = now(), progress = 0, updated_at = now()
        from candidate where v.id = candidate.id
        returning v.*`.execute(trx);
      const row = result.rows[0];
      return row
        ? { tenantId: row.tenant_id, videoId: row.id, userId: row.user_id, year: row.year, resolution: row.resolution, generation: row.generation, attempt: row.attempts }
        : null;
    });
  }

  /** Progress of a claimed render (and a longer lease); false when the job is no longer this worker's (re-requested). */
  async progress(job: Job, workerId: string, progress: number, leaseMs: number): Promise<boolean> {
    return withTenant(this.db, job.tenantId, async (trx) => {
      const result = await sql`
        update video.videos set progress = ${Math.max(0, Math.min(0.99, progress))}, lease_until = now() + ${`${leaseMs} milliseconds`}::interval, updated_at = now()
        where id = ${job.videoId} and generation = ${job.generation} and status = 'rendering' and claimed_by = ${workerId}`.execute(trx);
      return Number(result.numAffectedRows ?? 0n) > 0;
    });
  }

  /** The MP4 is stored: done, with `video.rendered`. False when the job was superseded meanwhile (nothing written). */
  async complete(job: Job, workerId: string, result: { blobKey: string; bytes: number; durationSeconds: number; width: number; height: number; pocs: number }): Promise<boolean> {
    return withTenant(this.db, job.tenantId, async (trx) => {
      const updated = await sql<VideoRow>`
        update video.videos set status = 'done', progress = 1, blob_key = ${result.blobKey}, bytes = ${result.bytes}, duration_seconds = ${result.durationSeconds},
          error = null, claimed_by = null, lease_until = null, updated_at = now()
        where id = ${job.videoId} and generation = ${job.generation} and status = 'rendering' and claimed_by = ${workerId}
        returning *`.execute(trx);
      const row = updated.rows[0];
      if (!row) return false;
      await append(trx, row, {
        type: 'video.rendered',
        schemaVersion: 1,
        data: { videoId: row.id, userId: row.user_id, year: row.year, generation: row.generation, ...result, renderedAt: new Date().toISOString() },
      }, { actor: WORKER_ACTOR, correlationId: `${row.id}:${row.generation}`, causationId: null });
      return true;
    });
  }

  /**
   * A render attempt failed. With `retryAt`, the render is queued again for
   * then; without, it ends `failed` with the reason and `video.failed`.
   */
  async fail(job: Job, workerId: string, reason: string, retryAt: Date | null): Promise<void> {
    await withTenant(this.db, job.tenantId, async (trx) => {
      if (retryAt) {
        await sql`
          update video.videos set status = 'queued', progress = 0, error = ${reason}, next_attempt_at = ${retryAt}, claimed_by = null, lease_until = null, updated_at = now()
          where id = ${job.videoId} and generation = ${job.generation} and status = 'rendering' and claimed_by = ${workerId}`.execute(trx);
        return;
      }
      const updated = await sql<VideoRow>`
        update video.videos set status = 'failed', error = ${reason}, claimed_by = null, lease_until = null, updated_at = now()
        where id = ${job.videoId} and generation = ${job.generation} and status = 'rendering' and claimed_by = ${workerId}
        returning *`.execute(trx);
      const row = updated.rows[0];
      if (!row) return;
      await append(trx, row, {
        type: 'video.failed',
        schemaVersion: 1,
        data: { videoId: row.id, userId: row.user_id, year: row.year, generation: row.generation, reason: reason.slice(0, 2000), attempts: row.attempts, failedAt: new Date().toISOString() },
      }, { actor: WORKER_ACTOR, correlationId: `${row.id}:${row.generation}`, causationId: null });
    });
  }
}
