import { createTestDatabase } from '../testing/database.ts';
import { testSearchPort } from '../testing/search-contract.ts';
import { PostgresSearch } from './postgres-search.ts';

testSearchPort('PostgreSQL (full text + pg_trgm + unaccent)', async () => {
  const database = await createTestDatabase('poc_search');
  await PostgresSearch.migrate(database.db);
  const search = new PostgresSearch(database.db);
  return { search, teardown: () => database.drop() };
});
