import { Problem, Video, VideoAccepted, VideoCreateRequest, VideoIdParams, YearEndAccepted, YearEndRequest, ref, videoHttpSchemas } from '@poc/contracts';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { type App, type BlobStore, NotFoundError, UnprocessableError, principalOf } from '@poc/platform';
import type { FastifyRequest } from 'fastify';
import { RangeNotSatisfiableError, VIDEO_ERR, VideoNotReadyError } from '../errors.ts';
import { type VideoRepository, toVideo } from '../store/videos.ts';
import { requestYearEnd } from '../year/year-end.ts';

export interface VideoRouteDeps {
  db: Kysely<unknown>;
  videos: VideoRepository;
  blobs: BlobStore;
  /** Lifetime of a presigned URL when the blob store has them (S3). */
  signedUrlSeconds: number;
  /** The worker to wake when a render is queued in this process (its bus wakes it anyway). */
  onQueued?: () => void;
}

const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ref(Problem)]));
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const traceOf = (request: FastifyRequest) => {
  const t = request.headers.traceparent;
  return typeof t === 'string' && TRACEPARENT.test(t) ? t : null;
};

function checkYear(year: number): void {
  if (year > new Date().getUTCFullYear()) {
    throw new UnprocessableError(VIDEO_ERR.YEAR_IN_FUTURE, `${year} has not happened yet.`);
  }
}

/**
 * One `Range: bytes=...` of a file of `size` bytes, or `null` for the whole
 * file. Several ranges are answered with the first. Throws when the range
 * lies outside the file (416).
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)(?:,.*)?$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
    if (suffix === 0) start = size;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) {
    throw new RangeNotSatisfiableError(size);
  }
  return { start, end };
}

/** The HTTP routes of API.md, Year-in-review video, and the year-end job for admins. */
export async function videoRoutes(app: App, deps: VideoRouteDeps): Promise<void> {
  for (const schema of [...videoHttpSchemas, Problem]) app.addSchema(schema);
  const own = async (request: FastifyRequest, id: string) => {
    const principal = principalOf(request);
    const row = await deps.videos.get(principal.tenantId, principal.userId, id.toLowerCase());
    if (!row) throw new NotFoundError(VIDEO_ERR.NOT_FOUND, 'No video with this id.');
    return row;
  };

  app.post(
    '/v1/videos',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['videos'],
        summary: 'Ask for your year-in-review video',
        description:
          'Queues a render of the caller\'s POCs of `year`. One video per user and year: asking again returns the same one (and queues nothing) unless `force` is set or the last render failed. `resolution`: `720p` (default), `1080p`, or `360p` for a quick preview.',
        security: [{ bearer: [] }],
        body: ref(VideoCreateRequest),
        response: { 202: ref(VideoAccepted), ...problems(400, 401, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      checkYear(request.body.year);
      const requested = await deps.videos.request({
        tenantId: principal.tenantId,
        userId: principal.userId,
        year: request.body.year,
        force: request.body.force ?? false,
        resolution: request.body.resolution,
        actor: `user:${principal.userId}`,
        correlationId: request.id,
        traceparent: traceOf(request),
      });
      if (requested.queued) deps.onQueued?.();
      return reply.code(202).header('location', `/v1/videos/${requested.id}`).send({ id: requested.id, status: requested.status });
    },
  );

  app.get(
    '/v1/videos/:id',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['videos'],
        summary: 'A video and its progress',
        description: '`status` moves from `queued` to `rendering` (with `progress` 0..1) to `done` (with `url` and `durationSeconds`) or `failed` (with `error`). Another user\'s video is a 404.',
        security: [{ bearer: [] }],
        params: VideoIdParams,
        response: { 200: ref(Video), ...problems(400, 401, 404, 429) },
      },
    },
    async (request) => toVideo(await own(request, request.params.id)),
  );

  app.get(
    '/v1/videos/:id/content',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['videos'],
        summary: 'The MP4',
        description: 'Streams `video/mp4` with `Range` support (206 with `Content-Range`), or redirects (302) to a presigned URL when blobs are on S3. 409 while the video is not done.',
        security: [{ bearer: [] }],
        params: VideoIdParams,
        response: {
          200: Type.Any({ description: 'the MP4 (video/mp4)' }),
          206: Type.Any({ description: 'the requested byte range of the MP4' }),
          302: Type.Any({ description: 'to a presigned URL of the MP4 (S3)' }),
          ...problems(400, 401, 404, 409, 416, 429),
        },
      },
    },
    async (request, reply) => {
      const row = await own(request, request.params.id);
      if (row.status !== 'done' || !row.blob_key) {
        throw new VideoNotReadyError(row.status);
      }
      const signed = await deps.blobs.signedUrl(row.tenant_id, row.blob_key, deps.signedUrlSeconds);
      if (signed) return reply.code(302).header('location', signed).header('cache-control', 'private, no-store').send(null);
      const info = await deps.blobs.head(row.tenant_id, row.blob_key);
      if (!info) throw new NotFoundError(VIDEO_ERR.NOT_FOUND, 'The video file is gone.');
      const range = parseRange(request.headers.range, info.size);
      const blob = await deps.blobs.get(row.tenant_id, row.blob_key, range ?? undefined);
      if (!blob) throw new NotFoundError(VIDEO_ERR.NOT_FOUND, 'The video file is gone.');
      reply.header('content-type', 'video/mp4').header('accept-ranges', 'bytes').header('cache-control', 'private, max-age=3600').header('etag', `"${row.id}-${row.generation}"`);
      if (range) {
        reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${info.size}`).header('content-length', range.end - range.start + 1);
      } else {
        reply.code(200).header('content-length', info.size);
      }
      return reply.send(blob.body);
    },
  );

  app.post(
    '/v1/videos/year-end',
    {
      onRequest: [app.authenticate, app.requireRoles('owner', 'admin')],
      schema: {
        tags: ['videos'],
        summary: 'Year-end job for this tenant',
        description: 'Asks for a video of `year` for every user of the caller\'s tenant who created a POC that year (owner/admin). Users who have one already are counted in `alreadyThere`.',
        security: [{ bearer: [] }],
        body: ref(YearEndRequest),
        response: { 202: ref(YearEndAccepted), ...problems(400, 401, 403, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      checkYear(request.body.year);
      const result = await requestYearEnd(deps.videos, deps.db, request.body.year, { tenantId: principal.tenantId, resolution: request.body.resolution, correlationId: request.id });
      if (result.requested > 0) deps.onQueued?.();
      return reply.code(202).send(result);
    },
  );
}
