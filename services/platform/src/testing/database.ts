import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDatabase } from '../db/database.ts';
import { postgresAnswers, startEmbeddedPostgres } from '../db/embedded-postgres.ts';

let adminUrl: Promise<string> | undefined;

/**
 * The PostgreSQL the tests use: `DATABASE_URL` when set; else the one on
 * 127.0.0.1:5432 when it answers; else an embedded PostgreSQL started from
 * the npm package (cached under ~/.cache/poc-tracker).
 */
export function testPostgresUrl(): Promise<string> {
  adminUrl ??= (async () => {
    if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
    const local = 'postgres://postgres@127.0.0.1:5432/postgres';
    if (await postgresAnswers(local)) return local;
    const handle = await startEmbeddedPostgres({
      dataDir: join(homedir(), '.cache', 'poc-tracker', 'test-postgres'),
      port: 54329,
    });
    return handle.url;
  })();
  return adminUrl;
}

export interface TestDatabase<DB> {
  readonly url: string;
  readonly db: Kysely<DB>;
  /** Close the pool and drop the database. */
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file. */
export async function createTestDatabase<DB = unknown>(prefix = 'poc_test'): Promise<TestDatabase<DB>> {
  const admin = await testPostgresUrl();
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const parsed = new URL(admin);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  const db = createDatabase<DB>({ url, max: 10 });
  return {
    url,
    db,
    drop: async () => {
      await db.destroy();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
