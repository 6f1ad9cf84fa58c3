import type { Kysely } from 'kysely';
import type { VideoResolution } from '@poc/contracts';
import type { VideoRepository } from '../store/videos.ts';
import { usersWithPocs } from './gather.ts';

export interface YearEndResult {
  readonly year: number;
  /** Renders queued (a `video.requested` each). */
  readonly requested: number;
  /** Users who already had a video of the year (queued, rendering or done): nothing asked again. */
  readonly alreadyThere: number;
}

/**
 * The year-end job: a video of `year` for every user who created a POC that
 * year, in every tenant (or one). Safe to run again: users who have a video
 * already are left alone (one per user and year), failed ones are retried.
 *
 * @example
 * await requestYearEnd(new VideoRepository(db), db, 2025); // pnpm --filter @poc/video year-end 2025
 */
export async function requestYearEnd(
  videos: VideoRepository,
  db: Kysely<unknown>,
  year: number,
  options: { tenantId?: string; resolution?: VideoResolution | undefined; correlationId?: string } = {},
): Promise<YearEndResult> {
  const users = await usersWithPocs(db, year, options.tenantId);
  let requested = 0;
  for (const user of users) {
    const outcome = await videos.request({
      ...user,
      year,
      force: false,
      resolution: options.resolution,
      actor: 'system:year-end',
      correlationId: options.correlationId ?? `year-end-${year}`,
    });
    if (outcome.queued) requested += 1;
  }
  return { year, requested, alreadyThere: users.length - requested };
}
