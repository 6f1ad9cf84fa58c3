import { type Kysely, type Migration, Migrator, sql } from 'kysely';

/**
 * Run a package's migrations (kysely's Migrator), each package in its own
 * history table so packages migrate independently. A session-level advisory
 * lock makes concurrent starts of several services safe.
 *
 * @example
 * await migrate(db, 'identity', { '001_users': { up: async (db) => { ... } } });
 */
export async function migrate(db: Kysely<unknown>, name: string, migrations: Record<string, Migration>): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext(${`poc-migrate-${name}`}))`.execute(conn);
    try {
      const migrator = new Migrator({
        db: conn,
        migrationTableName: `${name}_migrations`,
        migrationLockTableName: `${name}_migrations_lock`,
        provider: { getMigrations: async () => migrations },
      });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error || failed) {
        throw new Error(`migration ${failed?.migrationName ?? ''} of ${name} failed: ${String(error)}`, { cause: error });
      }
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${`poc-migrate-${name}`}))`.execute(conn);
    }
  });
}
