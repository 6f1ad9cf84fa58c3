/**
 * @poc/video-composition: the year-in-review Remotion composition.
 *
 * - `entryPoint`: the file to hand to `@remotion/bundler`'s `bundle()`
 * - `COMPOSITION_ID`, `YearInReviewProps` (the zod schema of its props), `RESOLUTIONS`
 * - `planVideo`: the scenes and their lengths for some props (what `calculateMetadata` uses)
 *
 * @example
 * const serveUrl = await bundle({ entryPoint });
 * const composition = await selectComposition({ serveUrl, id: COMPOSITION_ID, inputProps: props });
 */
import { fileURLToPath } from 'node:url';

export * from './schema.ts';
export * from './plan.ts';

/** Absolute path of the composition's entry file, for `bundle({ entryPoint })`. */
export const entryPoint: string = fileURLToPath(new URL('./entry.tsx', import.meta.url));
