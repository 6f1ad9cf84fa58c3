import { ValidationError } from '../errors.ts';

/**
 * Search over a tenant's POCs: free text with relevance, filters, facets,
 * highlights, cursor pagination and suggestions. Embedded: PostgreSQL full
 * text + pg_trgm + unaccent in the tenant's schema (`postgres-search.ts`).
 * Production: OpenSearch, one index per tenant behind an alias
 * (`opensearch-search.ts`). Both pass `testSearchPort`.
 *
 * Matching, the same on both adapters:
 * - `q` is split into words (runs of letters and digits); every word must
 *   match somewhere in name, tags or description;
 * - a word matches a word of the document that equals it, that it is a prefix
 *   of (2 letters or more: `kub` → `kubernetes`), or that is within a small
 *   edit distance (1 edit for words of 5–7 letters, 2 from 8: `kubernets`);
 * - case and accents never matter (`integracao` finds `Integração`);
 * - relevance: a match in the name weighs more than one in the tags, which
 *   weighs more than one in the description; exact words beat prefixes and
 *   typos; a name equal to the query comes first. Ties by id.
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
  readonly repoUrl: string | null;
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

export const SEARCH_STATUSES = ['idea', 'in_progress', 'done', 'abandoned'] as const;

export interface SearchQuery {
  /** Free text over name, tags and description. */
  readonly q?: string;
  /** Free text over the name only (same matching rules as `q`). */
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
  /** Default: `relevance` when there is text to match, else `-createdAt`. */
  readonly sort?: SearchSort;
  readonly limit: number;
  /** `nextCursor` of the previous page, for the same query. */
  readonly cursor?: string | null;
}

export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

export interface SearchHit {
  readonly id: string;
  readonly score: number;
  /** The document as indexed: a list answers without a second lookup. */
  readonly document: SearchDocument;
  /**
   * Matched text per field (`name`, `description`, `tags`): HTML-escaped text
   * with `<mark>…</mark>` around the matches; only fields that matched.
   */
  readonly highlight: Record<string, string>;
}

/**
 * Facet counts are "what choosing this value would give": for `languages`
 * (any of) and `status` (one), every filter but their own applies, so a count
 * is the total you get by choosing that value instead; for `tags` (all of),
 * every filter applies, so a count is the total after adding that tag.
 * At most `FACET_SIZE` values each, by count then value.
 */
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

export const FACET_SIZE = 20;

export interface Suggestions {
  readonly names: readonly string[];
  readonly tags: readonly string[];
  readonly languages: readonly string[];
}

/** Where a write goes: the live index (default) or a rebuild's index from `createIndex`. */
export interface SearchWriteOptions {
  readonly index?: string;
}

export interface SearchPort {
  /** Create the tenant's index (idempotent). */
  provisionTenant(tenantId: string): Promise<void>;
  /**
   * Index or replace documents; a document older (by `version`) than the
   * stored one is ignored, so replays are harmless. Visible to `search` when
   * the promise resolves.
   */
  upsert(tenantId: string, documents: readonly SearchDocument[], options?: SearchWriteOptions): Promise<void>;
  remove(tenantId: string, ids: readonly string[], options?: SearchWriteOptions): Promise<void>;
  /** Throws `ValidationError` (`SEARCH_ERR.CURSOR`, path `/cursor`) for a cursor it did not issue for this sort. */
  search(tenantId: string, query: SearchQuery): Promise<SearchPage>;
  /** Search-as-you-type: names, tags and languages that have a word starting with `prefix`. */
  suggest(tenantId: string, prefix: string, limit?: number): Promise<Suggestions>;
  /**
   * Rebuilds: a fresh, empty index beside the live one, built for bulk loads
   * (writes to it go through `{ index }`); `prepareIndex` makes it ready for
   * live traffic (its indexes, counts, refreshes: the slow part), after which
   * writes may go on; `swapIndex` makes it live at once (preparing it first if
   * needed) and drops the old one; `dropIndex` abandons it.
   */
  createIndex(tenantId: string): Promise<string>;
  prepareIndex(tenantId: string, index: string): Promise<void>;
  swapIndex(tenantId: string, index: string): Promise<void>;
  dropIndex(tenantId: string, index: string): Promise<void>;
  /** Answers when the engine is reachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Error codes of the search port (platform-owned, never reused). */
export const SEARCH_ERR = {
  CURSOR: 'PLATFORM_ERR_SEARCH_CURSOR',
} as const;

/** The cursor both adapters hand out: the sort, the sort key of the last hit, its id. */
interface CursorPayload {
  readonly s: SearchSort;
  readonly k: string | number;
  readonly i: string;
}

export function encodeSearchCursor(sort: SearchSort, key: string | number, id: string): string {
  return Buffer.from(JSON.stringify({ s: sort, k: key, i: id } satisfies CursorPayload)).toString('base64url');
}

/** Decode a cursor issued for `sort`, or throw a `ValidationError` naming `/cursor`. */
export function decodeSearchCursor(cursor: string, sort: SearchSort): { key: string | number; id: string } {
  const invalid = () =>
    new ValidationError(SEARCH_ERR.CURSOR, 'The cursor is not one this search handed out.', [
      { path: '/cursor', message: 'must be the nextCursor of a previous page of the same search' },
    ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const p = parsed as Partial<CursorPayload> | null;
  if (!p || typeof p !== 'object' || p.s !== sort || typeof p.i !== 'string' || !/^[0-9a-f-]{36}$/i.test(p.i)) throw invalid();
  const keyOk = sort === 'relevance' ? typeof p.k === 'number' && Number.isFinite(p.k) : typeof p.k === 'string' && p.k.length <= 1000;
  if (!keyOk) throw invalid();
  return { key: p.k as string | number, id: p.i };
}

/** The words of a text: runs of letters and digits, as both adapters split them (a query keeps its first 16). */
export function searchWords(text: string, max = 16): string[] {
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.length > max ? words.slice(0, max) : words;
}

/** Case- and accent-folded form of a word (for highlighting and comparisons in JS). */
export function foldWord(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Edits a typo may have for a query word of this length (0 under 5 letters, 1 up to 7, then 2). */
export function allowedEdits(word: string): number {
  const n = [...word].length;
  return n < 5 ? 0 : n < 8 ? 1 : 2;
}
