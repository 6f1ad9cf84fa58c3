/**
 * Search over a tenant's POCs: free text with relevance, filters, facets,
 * highlights, cursor pagination and suggestions. Embedded: PostgreSQL full
 * text + pg_trgm + unaccent in the tenant's schema (`postgres-search.ts`).
 * Production: OpenSearch, one index per tenant behind an alias
 * (`opensearch-search.ts`). Both pass `testSearchPort`.
 *
 * @example
 * await search.provisionTenant(tenantId);
 * await search.upsert(tenantId, [doc]);
 * const page = await search.search(tenantId, { q: 'kubernets', languages: ['go'], limit: 20 });
 */
export interface SearchDocument {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly languages: readonly string[];
  readonly tags: readonly string[];
  readonly status: 'idea' | 'in_progress' | 'done' | 'abandoned';
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Aggregate version: an older version never overwrites a newer one. */
  readonly version: number;
}

export type SearchSort = 'relevance' | '-createdAt' | 'name';

export interface SearchQuery {
  readonly q?: string;
  readonly name?: string;
  /** Any of. */
  readonly languages?: readonly string[];
  /** All of. */
  readonly tags?: readonly string[];
  readonly status?: SearchDocument['status'];
  /** Created at or after. */
  readonly from?: string;
  /** Created before. */
  readonly to?: string;
  readonly createdBy?: string;
  readonly sort?: SearchSort;
  readonly limit: number;
  readonly cursor?: string | null;
}

export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

export interface SearchHit {
  readonly id: string;
  readonly score: number;
  /** Matched text per field, with `<mark>…</mark>` around the matches. */
  readonly highlight: Record<string, string>;
}

export interface SearchPage {
  readonly hits: readonly SearchHit[];
  readonly total: number;
  readonly facets: {
    readonly languages: readonly FacetCount[];
    readonly tags: readonly FacetCount[];
    readonly status: readonly FacetCount[];
  };
  readonly nextCursor: string | null;
}

export interface Suggestions {
  readonly names: readonly string[];
  readonly tags: readonly string[];
  readonly languages: readonly string[];
}

export interface SearchPort {
  /** Create the tenant's index (idempotent). */
  provisionTenant(tenantId: string): Promise<void>;
  /** Index or replace documents; a document older (by `version`) than the stored one is ignored. */
  upsert(tenantId: string, documents: readonly SearchDocument[]): Promise<void>;
  remove(tenantId: string, ids: readonly string[]): Promise<void>;
  search(tenantId: string, query: SearchQuery): Promise<SearchPage>;
  suggest(tenantId: string, prefix: string, limit?: number): Promise<Suggestions>;
  /** Answers when the engine is reachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
