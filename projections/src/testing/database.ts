import { PostgresEventStore, PostgresSearch } from '@poc/platform';
import { type TestDatabase, createTestDatabase } from '@poc/platform/testing';
import { migrateProjections } from '../runtime/store.ts';

/** A fresh database with everything the projector writes and reads: the event store, the checkpoints and the PostgreSQL search. */
export async function createProjectionsTestDatabase(prefix: string): Promise<TestDatabase<unknown>> {
  const t = await createTestDatabase(prefix);
  await PostgresEventStore.migrate(t.db);
  await migrateProjections(t.db);
  await PostgresSearch.migrate(t.db);
  return t;
}
