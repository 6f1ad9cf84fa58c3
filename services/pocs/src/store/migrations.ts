import type { Kysely } from 'kysely';
import { PostgresEventStore } from '@poc/platform';

/**
 * Everything the service needs in PostgreSQL: the platform's event store
 * (events, outbox, the append function). pocs keeps no table of its own: a
 * POC is its stream, and an Idempotency-Key is the POC's id (see `pocIdForKey`).
 */
export async function migratePocs(db: Kysely<unknown>): Promise<void> {
  await PostgresEventStore.migrate(db);
}
