import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

// Postgres `bigint` (event positions) as JS numbers: positions stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export interface DatabaseOptions {
  url: string;
  max?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/**
 * The relational store: a kysely instance over a pg pool.
 *
 * @example
 * const db = createDatabase<IdentityTables>({ url: env.DATABASE_URL });
 * await db.selectFrom('identity.users').selectAll().execute();
 */
export function createDatabase<T>(options: DatabaseOptions): Kysely<T> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'poc-tracker',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its server emits here; without a listener it would crash the process.
  pool.on('error', () => {});
  return new Kysely<T>({ dialect: new PostgresDialect({ pool }) });
}

/** A readiness check for `app.addReadinessCheck`. */
export function databaseCheck(db: Kysely<unknown>): () => Promise<void> {
  return async () => {
    await sql`select 1`.execute(db);
  };
}
