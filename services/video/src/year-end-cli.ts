/**
 * The year-end job from the command line: a video of <year> for every user of
 * every tenant who created a POC that year (safe to run again).
 *
 *   DATABASE_URL=postgres://... pnpm --filter @poc/video year-end 2025 [--resolution 1080p]
 */
import { parseArgs } from 'node:util';
import { ConfigError, createDatabase } from '@poc/platform';
import type { VideoResolution } from '@poc/contracts';
import { loadYearEndEnv } from './env.ts';
import { migrateVideo } from './store/migrations.ts';
import { VideoRepository } from './store/videos.ts';
import { requestYearEnd } from './year/year-end.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { resolution: { type: 'string' } } });
const year = Number(positionals[0] ?? new Date().getUTCFullYear() - 1);
const resolution = values.resolution as VideoResolution | undefined;
if (!Number.isInteger(year) || year < 1970 || year > new Date().getUTCFullYear() || (resolution && !['360p', '720p', '1080p'].includes(resolution))) {
  console.error('usage: year-end [<year>] [--resolution 360p|720p|1080p]   (year: default last year, not in the future)');
  process.exit(64);
}
let env;
try {
  env = loadYearEndEnv();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78);
}
const db = createDatabase({ url: env.DATABASE_URL, max: 2, applicationName: 'video-year-end' });
try {
  await migrateVideo(db);
  const result = await requestYearEnd(new VideoRepository(db), db, year, { resolution });
  console.log(JSON.stringify(result));
} finally {
  await db.destroy();
}
