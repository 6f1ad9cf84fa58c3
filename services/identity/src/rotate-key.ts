/**
 * `pnpm --filter @poc/identity rotate-key [--immediately]`: create the next
 * signing key. It is published at once and signs after
 * IDENTITY_KEY_PUBLISH_AHEAD_SECONDS (or at once with `--immediately`); the
 * previous key keeps verifying until its last token expired. Running
 * services pick the change up within 30 s, without a restart.
 */
import { createDatabase } from '@poc/platform';
import type { Kysely } from 'kysely';
import { migrateIdentity } from './app.ts';
import type { IdentityTables } from './db.ts';
import { loadServiceEnv } from './env.ts';
import { SigningKeys } from './keys/signing-keys.ts';

const env = loadServiceEnv();
const db = createDatabase({ url: env.DATABASE_URL, max: 1, applicationName: 'identity-rotate-key' });
try {
  await migrateIdentity(db);
  const keys = new SigningKeys(db as Kysely<IdentityTables>, {
    secret: env.IDENTITY_KEY_ENCRYPTION_SECRET,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    rotateAfterMs: 0,
    publishAheadMs: env.IDENTITY_KEY_PUBLISH_AHEAD_SECONDS * 1000,
  });
  await keys.init();
  const kid = await keys.rotate({ immediately: process.argv.includes('--immediately') });
  console.log(`new signing key ${kid}`);
} finally {
  await db.destroy();
}
