import { type Static, Type } from '@sinclair/typebox';
import { Uuid } from '../envelope.ts';
import { VideoResolutionSchema } from './events.ts';

/**
 * HTTP schemas of the year-in-review video (API.md, Year-in-review video).
 *
 * @example
 * POST /v1/videos { "year": 2025 }  →  202 { "id": "…", "status": "queued" }
 */
export const VideoStatusSchema = Type.Union([Type.Literal('queued'), Type.Literal('rendering'), Type.Literal('done'), Type.Literal('failed')]);
export type VideoStatus = Static<typeof VideoStatusSchema>;

/** `POST /v1/videos` body. */
export const VideoCreateRequest = Type.Object(
  {
    year: Type.Integer({ minimum: 1970, maximum: 9999, description: 'the calendar year (UTC) of the POCs to show' }),
    force: Type.Optional(Type.Boolean({ description: 'render again even when a video of this year exists or is on its way' })),
    resolution: Type.Optional(VideoResolutionSchema),
  },
  { $id: 'VideoCreateRequest', additionalProperties: false },
);
export type VideoCreateRequest = Static<typeof VideoCreateRequest>;

/** `POST /v1/videos` answer. */
export const VideoAccepted = Type.Object({ id: Uuid, status: VideoStatusSchema }, { $id: 'VideoAccepted' });
export type VideoAccepted = Static<typeof VideoAccepted>;

/** `GET /v1/videos/:id`. */
export const Video = Type.Object(
  {
    id: Uuid,
    year: Type.Integer(),
    status: VideoStatusSchema,
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    durationSeconds: Type.Optional(Type.Number({ minimum: 0 })),
    /** Where to fetch the MP4 (`/v1/videos/:id/content`), once done. */
    url: Type.Optional(Type.String()),
    /** Why the last render failed. */
    error: Type.Optional(Type.String()),
    resolution: VideoResolutionSchema,
    requestedAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Video' },
);
export type Video = Static<typeof Video>;

export const VideoIdParams = Type.Object({ id: Uuid });

/** `POST /v1/videos/year-end` (owner/admin): request a video for every user of the tenant who had POCs that year. */
export const YearEndRequest = Type.Object(
  { year: Type.Integer({ minimum: 1970, maximum: 9999 }), resolution: Type.Optional(VideoResolutionSchema) },
  { $id: 'YearEndRequest', additionalProperties: false },
);
export const YearEndAccepted = Type.Object(
  { year: Type.Integer(), requested: Type.Integer({ minimum: 0 }), alreadyThere: Type.Integer({ minimum: 0 }) },
  { $id: 'YearEndAccepted' },
);

/** Every video schema with an `$id`, for `app.addSchema` and the JSON Schema export. */
export const videoHttpSchemas = [VideoCreateRequest, VideoAccepted, Video, YearEndRequest, YearEndAccepted];
