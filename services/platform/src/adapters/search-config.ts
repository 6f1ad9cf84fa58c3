import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { SearchPort } from '../ports/search.ts';
import { OpenSearchSearch, createOpenSearchClient } from './opensearch-search.ts';
import { PostgresSearch } from './postgres-search.ts';

/** Settings of the search port: `OPENSEARCH_URL` switches from PostgreSQL (embedded default) to OpenSearch. */
export const searchEnv = {
  OPENSEARCH_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', description: 'http(s)://host:port of OpenSearch; unset: search in PostgreSQL' })),
  OPENSEARCH_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  OPENSEARCH_PASSWORD: Type.Optional(Type.String()),
  /** Index and alias names start with it (`<prefix>-<tenant id without dashes>`). */
  OPENSEARCH_INDEX_PREFIX: Type.String({ default: 'pocs', pattern: '^[a-z0-9][a-z0-9_-]{0,40}$' }),
  /** Replicas of each tenant index (production: 1 or more, across availability zones). */
  OPENSEARCH_REPLICAS: Type.Integer({ minimum: 0, maximum: 5, default: 0 }),
} as const;

export interface SearchSettings {
  OPENSEARCH_URL?: string | undefined;
  OPENSEARCH_USERNAME?: string | undefined;
  OPENSEARCH_PASSWORD?: string | undefined;
  OPENSEARCH_INDEX_PREFIX: string;
  OPENSEARCH_REPLICAS: number;
}

/**
 * The search adapter the settings name: OpenSearch when `OPENSEARCH_URL` is
 * set, else PostgreSQL in `db` (its shared objects migrated here).
 *
 * @example
 * const search = await createSearchPort(env, db);
 */
export async function createSearchPort(env: SearchSettings, db: Kysely<unknown>): Promise<SearchPort> {
  if (env.OPENSEARCH_URL) {
    const client = createOpenSearchClient({
      url: env.OPENSEARCH_URL,
      ...(env.OPENSEARCH_USERNAME ? { username: env.OPENSEARCH_USERNAME, password: env.OPENSEARCH_PASSWORD ?? '' } : {}),
    });
    return new OpenSearchSearch(client, { indexPrefix: env.OPENSEARCH_INDEX_PREFIX, replicas: env.OPENSEARCH_REPLICAS });
  }
  await PostgresSearch.migrate(db);
  return new PostgresSearch(db);
}
