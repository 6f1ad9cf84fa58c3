import { type Static, Type } from '@sinclair/typebox';
import { Instant, Uuid, envelopeOf } from '../envelope.ts';
import { EventRegistry, defineEvent } from '../upcasting.ts';

/**
 * The year-in-review video events. Stream `video-<videoId>`, Kafka topic
 * `videos.events.v1` keyed by the video id. One video per (tenant, user,
 * year); every (re)render of it is a `generation` (1, 2, ...): a forced
 * request, or a request after a failure, starts the next one. Consumers act
 * on the generation they see and ignore older ones.
 *
 * @example
 * { type: 'video.requested', schemaVersion: 1,
 *   data: { videoId, userId, year: 2025, generation: 1, force: false, resolution: '720p', requestedBy: 'user:…' } }
 */
export const VideoResolutionSchema = Type.Union([Type.Literal('360p'), Type.Literal('720p'), Type.Literal('1080p')], {
  description: '360p is a quick preview; 720p (1280x720) the default; 1080p on request',
});
export type VideoResolution = Static<typeof VideoResolutionSchema>;

const Year = Type.Integer({ minimum: 1970, maximum: 9999 });

/** Someone (the user, or the year-end job) asked for the user's video of a year. */
export const VideoRequestedV1 = Type.Object(
  {
    videoId: Uuid,
    userId: Type.String({ minLength: 1 }),
    year: Year,
    generation: Type.Integer({ minimum: 1 }),
    force: Type.Boolean(),
    resolution: VideoResolutionSchema,
    /** `user:<id>` or `system:year-end`. */
    requestedBy: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false, title: 'video.requested v1 data' },
);

/** The MP4 is stored (blob key under the tenant's prefix). */
export const VideoRenderedV1 = Type.Object(
  {
    videoId: Uuid,
    userId: Type.String({ minLength: 1 }),
    year: Year,
    generation: Type.Integer({ minimum: 1 }),
    blobKey: Type.String({ minLength: 1 }),
    bytes: Type.Integer({ minimum: 0 }),
    durationSeconds: Type.Number({ minimum: 0 }),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
    pocs: Type.Integer({ minimum: 0 }),
    renderedAt: Instant,
  },
  { additionalProperties: false, title: 'video.rendered v1 data' },
);

/** The render gave up after its retries. */
export const VideoFailedV1 = Type.Object(
  {
    videoId: Uuid,
    userId: Type.String({ minLength: 1 }),
    year: Year,
    generation: Type.Integer({ minimum: 1 }),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    attempts: Type.Integer({ minimum: 1 }),
    failedAt: Instant,
  },
  { additionalProperties: false, title: 'video.failed v1 data' },
);

export const VideoRequested = defineEvent('video.requested', VideoRequestedV1);
export const VideoRendered = defineEvent('video.rendered', VideoRenderedV1);
export const VideoFailed = defineEvent('video.failed', VideoFailedV1);

/** The video events' registry: `videoEvents.upcast(stored)` validates and brings any stored version to today's shape. */
export const videoEvents = new EventRegistry([VideoRequested, VideoRendered, VideoFailed]);

export type VideoRequestedData = Static<typeof VideoRequestedV1>;
export type VideoRenderedData = Static<typeof VideoRenderedV1>;
export type VideoFailedData = Static<typeof VideoFailedV1>;

/** A video event as a producer emits it (before the store adds the envelope). */
export type VideoEvent =
  | { readonly type: 'video.requested'; readonly schemaVersion: 1; readonly data: VideoRequestedData }
  | { readonly type: 'video.rendered'; readonly schemaVersion: 1; readonly data: VideoRenderedData }
  | { readonly type: 'video.failed'; readonly schemaVersion: 1; readonly data: VideoFailedData };

/** Full envelope schemas of every video event version (exported to `schemas/events/`). */
export const videoEventEnvelopeSchemas = videoEvents.definitions.flatMap((definition) =>
  definition.schemas.map((data, i) => ({
    type: definition.type,
    schemaVersion: i + 1,
    schema: { ...envelopeOf(definition.type, i + 1, data), $id: `${definition.type}.v${i + 1}`, title: `${definition.type} v${i + 1}` },
  })),
);
