import { z } from 'zod';

/** The composition's id, as `selectComposition` and `renderMedia` name it. */
export const COMPOSITION_ID = 'YearInReview';

export const RESOLUTIONS = {
  /** Quick previews (and the end-to-end test). */
  '360p': { width: 640, height: 360 },
  '720p': { width: 1280, height: 720 },
  '1080p': { width: 1920, height: 1080 },
} as const;
export type Resolution = keyof typeof RESOLUTIONS;

const Label = z.string().min(1).max(100);
const Instant = z.string().max(40).nullable();
const Count = z.object({ label: Label, count: z.number().int().min(1) });

export const PocCard = z.object({
  name: z.string().min(1).max(200),
  languages: z.array(Label).max(50),
  tags: z.array(Label).max(50),
  status: z.enum(['idea', 'in_progress', 'done', 'abandoned']),
  createdAt: z.string().max(40),
  startedAt: Instant,
  finishedAt: Instant,
});
export type PocCard = z.infer<typeof PocCard>;

export const DojoCard = z.object({
  title: z.string().min(1).max(200),
  language: z.string().max(100),
  date: z.string().max(40),
});
export type DojoCard = z.infer<typeof DojoCard>;

/**
 * Everything the year-in-review video shows: one user's year, gathered from
 * the product's events by the worker. Remotion validates the props of a
 * render against it (the `schema` of the `<Composition>`); the worker parses
 * with it before rendering, so a bad prop fails the job with a clear reason.
 *
 * @example
 * const props = YearInReviewProps.parse({ userName: 'Ada', year: 2025, resolution: '720p',
 *   pocs: [{ name: 'Kafka outbox', languages: ['typescript'], tags: ['events'], status: 'done',
 *            createdAt: '2025-03-01T10:00:00.000Z', startedAt: null, finishedAt: null }],
 *   topLanguages: [{ label: 'typescript', count: 1 }], topTags: [{ label: 'events', count: 1 }], dojos: [] });
 */
export const YearInReviewProps = z.object({
  userName: z.string().min(1).max(200),
  year: z.number().int().min(1970).max(9999),
  resolution: z.enum(['360p', '720p', '1080p']).default('720p'),
  /** Scene length multiplier: 1 is the normal pace, 0.25 a quick preview four times shorter. */
  pace: z.number().min(0.1).max(1).default(1),
  /** The user's POCs of the year, oldest first (the video samples them when there are many). */
  pocs: z.array(PocCard).max(10_000),
  /** Most used first; the charts show the first eight. */
  topLanguages: z.array(Count).max(50),
  topTags: z.array(Count).max(50),
  /** Dojos the user took part in, oldest first. */
  dojos: z.array(DojoCard).max(10_000),
});
export type YearInReviewProps = z.infer<typeof YearInReviewProps>;
/** The props before defaults are applied (what a caller may pass). */
export type YearInReviewInput = z.input<typeof YearInReviewProps>;
