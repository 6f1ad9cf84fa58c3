import {
  FACET_SIZE,
  type FacetCount,
  type SearchDocument,
  type SearchHit,
  type SearchPage,
  type SearchPort,
  type SearchQuery,
  type SearchSort,
  type SearchWriteOptions,
  type Suggestions,
  allowedEdits,
  decodeSearchCursor,
  encodeSearchCursor,
  foldWord,
  searchWords,
} from '../ports/search.ts';

/**
 * The shape of client this adapter needs: one HTTP request to the cluster,
 * answering with the status and the parsed JSON body (never throwing on an
 * HTTP status). `createOpenSearchClient` is a fetch-based one; a SigV4-signing
 * client for Amazon OpenSearch Service fits the same shape.
 */
export interface OpenSearchClient {
  request(method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD', path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close?(): Promise<void>;
}

export interface OpenSearchClientOptions {
  url: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
}

/** A minimal OpenSearch REST client over fetch. A string body is sent as NDJSON (`_bulk`). */
export function createOpenSearchClient(options: OpenSearchClientOptions): OpenSearchClient {
  const base = options.url.replace(/\/+$/, '');
  const auth = options.username ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}` : undefined;
  return {
    async request(method, path, body) {
      const headers: Record<string, string> = {};
      if (auth) headers.authorization = auth;
      if (body !== undefined) headers['content-type'] = typeof body === 'string' ? 'application/x-ndjson' : 'application/json';
      const response = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
    },
  };
}

/** An answer the cluster refused, with its status and error. */
export class OpenSearchError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`OpenSearch ${what} failed (${status}): ${JSON.stringify(body).slice(0, 500)}`);
    this.name = 'OpenSearchError';
  }
}

const HEX_TENANT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const FIELDS = { name: 10, 'tags.text': 4, description: 1 } as const;

interface Hit {
  _id: string;
  _score: number | null;
  _source: SearchDocument & { nameKey?: string };
  sort: (string | number)[];
  highlight?: Record<string, string[]>;
}
interface Bucket {
  key: string;
  doc_count: number;
}
interface SearchResponse {
  hits: { total: { value: number }; hits: Hit[] };
  aggregations?: Record<string, { values?: { buckets: Bucket[] }; buckets?: Bucket[] }>;
}

export interface OpenSearchSearchOptions {
  /** Index and alias names start with it (default `pocs`): `<prefix>-<tenant>` is the alias. */
  indexPrefix?: string;
  replicas?: number;
}

/**
 * The production search adapter: one OpenSearch index per tenant behind the
 * alias `<prefix>-<tenant id without dashes>`. Words split as the port says
 * (a pattern tokenizer on runs of letters and digits), folded by `lowercase`
 * + `asciifolding`; prefixes with `prefix` queries, typos with `fuzziness`;
 * versions with external versioning; rebuilds go to a new index and an alias
 * swap makes them live.
 *
 * @example
 * const search = new OpenSearchSearch(createOpenSearchClient({ url: env.OPENSEARCH_URL }));
 * await search.provisionTenant(tenantId);
 */
export class OpenSearchSearch implements SearchPort {
  private readonly prefix: string;
  private readonly replicas: number;

  constructor(
    private readonly client: OpenSearchClient,
    options: OpenSearchSearchOptions = {},
  ) {
    this.prefix = (options.indexPrefix ?? 'pocs').toLowerCase();
    if (!/^[a-z0-9][a-z0-9_-]{0,40}$/.test(this.prefix)) throw new Error(`not a usable index prefix: ${this.prefix}`);
    this.replicas = options.replicas ?? 0;
  }

  /** The alias that names a tenant's live index. */
  alias(tenantId: string): string {
    if (!HEX_TENANT.test(tenantId)) throw new Error(`not a tenant id: ${tenantId}`);
    return `${this.prefix}-${tenantId.toLowerCase().replace(/-/g, '')}`;
  }

  /** A search on a tenant without an index finds nothing (rather than an error). */
  private async searchIndex(alias: string, body: unknown, what: string): Promise<SearchResponse | null> {
    const response = await this.client.request('POST', `/${alias}/_search`, body);
    if (response.status === 404 && (response.body as { error?: { type?: string } } | null)?.error?.type === 'index_not_found_exception') return null;
    if (response.status >= 300) throw new OpenSearchError(response.status, response.body, what);
    return response.body as SearchResponse;
  }

  private async call(method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD', path: string, body: unknown, what: string, ok: (status: number) => boolean = (s) => s < 300) {
    const response = await this.client.request(method, path, body);
    if (!ok(response.status)) throw new OpenSearchError(response.status, response.body, what);
    return response;
  }

  private indexBody(live: boolean): unknown {
    return {
      settings: {
        number_of_shards: 1,
        number_of_replicas: this.replicas,
        // A rebuild loads without refreshing; swapIndex turns refreshes back on.
        refresh_interval: live ? '1s' : '-1',
        analysis: {
          tokenizer: { words: { type: 'pattern', pattern: '[^\\p{L}\\p{N}]+' } },
          analyzer: { folded: { type: 'custom', tokenizer: 'words', filter: ['lowercase', 'asciifolding'] } },
          normalizer: { folded: { type: 'custom', filter: ['lowercase', 'asciifolding'] } },
        },
      },
      mappings: {
        dynamic: 'strict',
        properties: {
          id: { type: 'keyword' },
          name: { type: 'text', analyzer: 'folded', fields: { sort: { type: 'keyword', normalizer: 'folded' } } },
          nameKey: { type: 'keyword' },
          description: { type: 'text', analyzer: 'folded' },
          tags: { type: 'keyword', fields: { text: { type: 'text', analyzer: 'folded' } } },
          languages: { type: 'keyword', fields: { text: { type: 'text', analyzer: 'folded' } } },
          repoUrl: { type: 'keyword', index: false },
          status: { type: 'keyword' },
          createdBy: { type: 'keyword' },
          createdAt: { type: 'date' },
          updatedAt: { type: 'date' },
          startedAt: { type: 'date' },
          finishedAt: { type: 'date' },
          version: { type: 'integer' },
        },
      },
    };
  }

  async provisionTenant(tenantId: string): Promise<void> {
    const alias = this.alias(tenantId);
    const exists = await this.client.request('HEAD', `/_alias/${alias}`);
    if (exists.status === 200) return;
    // A fixed first name: two racing provisionings create one index, the loser sees it exists.
    const response = await this.client.request('PUT', `/${alias}-1`, { ...(this.indexBody(true) as object), aliases: { [alias]: {} } });
    const type = (response.body as { error?: { type?: string } } | null)?.error?.type;
    if (response.status >= 300 && type !== 'resource_already_exists_exception') throw new OpenSearchError(response.status, response.body, 'create index');
  }

  private target(tenantId: string, index: string | undefined): string {
    const alias = this.alias(tenantId);
    if (index === undefined) return alias;
    if (!index.startsWith(`${alias}-`) || !/^[a-z0-9_-]+$/.test(index)) throw new Error(`not a search index of tenant ${tenantId}: ${index}`);
    return index;
  }

  private async bulk(index: string, lines: unknown[], refresh: boolean): Promise<void> {
    const body = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    const response = await this.call('POST', `/${index}/_bulk${refresh ? '?refresh=true' : ''}`, body, 'bulk');
    const result = response.body as { errors: boolean; items: Record<string, { status: number; error?: { type: string } }>[] };
    if (!result.errors) return;
    // An older version than the stored one is refused with 409 (external versioning): that is the point. A missing delete is fine too.
    const failed = result.items
      .map((item) => Object.values(item)[0]!)
      .filter((r) => r.status >= 300 && r.status !== 409 && !(r.status === 404 && !r.error));
    if (failed.length > 0) throw new OpenSearchError(207, failed.slice(0, 3), 'bulk');
  }

  async upsert(tenantId: string, documents: readonly SearchDocument[], options: SearchWriteOptions = {}): Promise<void> {
    if (documents.length === 0) return;
    const index = this.target(tenantId, options.index);
    const lines: unknown[] = [];
    for (const doc of documents) {
      lines.push({ index: { _id: doc.id, version: doc.version, version_type: 'external' } });
      lines.push({ ...doc, nameKey: searchWords(doc.name).map(foldWord).join(' ') });
    }
    await this.bulk(index, lines, options.index === undefined);
  }

  async remove(tenantId: string, ids: readonly string[], options: SearchWriteOptions = {}): Promise<void> {
    if (ids.length === 0) return;
    const index = this.target(tenantId, options.index);
    await this.bulk(index, ids.map((id) => ({ delete: { _id: id } })), options.index === undefined);
  }

  async search(tenantId: string, query: SearchQuery): Promise<SearchPage> {
    const alias = this.alias(tenantId);
    const qWords = searchWords(query.q ?? '');
    const nameWords = searchWords(query.name ?? '');
    const hasText = qWords.length + nameWords.length > 0;
    const sort: SearchSort = query.sort ?? (hasText ? 'relevance' : '-createdAt');
    const cursor = query.cursor ? decodeSearchCursor(query.cursor, sort) : null;

    const must = [
      ...qWords.map((w) => wordClause(w, Object.keys(FIELDS) as (keyof typeof FIELDS)[])),
      ...nameWords.map((w) => wordClause(w, ['name'])),
    ];
    const common: unknown[] = [];
    if (query.tags?.length) for (const tag of query.tags) common.push({ term: { tags: tag } });
    if (query.from || query.to) common.push({ range: { createdAt: { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lt: query.to } : {}) } } });
    if (query.createdBy) common.push({ term: { createdBy: query.createdBy } });
    const byLanguage = query.languages?.length ? { terms: { languages: [...query.languages] } } : null;
    const byStatus = query.status ? { term: { status: query.status } } : null;
    const phrase = (qWords.length ? qWords : nameWords).map(foldWord).join(' ');

    const sortClause = {
      relevance: [{ _score: 'desc' }, { id: 'asc' }],
      '-createdAt': [{ createdAt: 'desc' }, { id: 'desc' }],
      name: [{ 'name.sort': 'asc' }, { id: 'asc' }],
    }[sort];
    const terms = (field: string) => ({ terms: { field, size: FACET_SIZE, order: [{ _count: 'desc' }, { _key: 'asc' }] } });
    const filterAgg = (filters: unknown[], field: string) => ({ filter: { bool: { filter: filters } }, aggs: { values: terms(field) } });
    const postFilters = [byLanguage, byStatus].filter((f) => f !== null);

    const body = {
      size: query.limit + 1,
      track_total_hits: true,
      query: {
        bool: {
          must: must.length ? must : [{ match_all: {} }],
          filter: common,
          ...(hasText && phrase ? { should: [{ constant_score: { filter: { term: { nameKey: phrase } }, boost: 100 } }] } : {}),
        },
      },
      ...(postFilters.length ? { post_filter: { bool: { filter: postFilters } } } : {}),
      aggs: {
        languages: filterAgg(byStatus ? [byStatus] : [], 'languages'),
        tags: filterAgg(postFilters, 'tags'),
        status: filterAgg(byLanguage ? [byLanguage] : [], 'status'),
      },
      sort: sortClause,
      ...(cursor
        ? { search_after: [sort === '-createdAt' ? Number(cursor.key) : cursor.key, cursor.id] }
        : {}),
      ...(hasText
        ? {
            highlight: {
              encoder: 'html',
              pre_tags: ['<mark>'],
              post_tags: ['</mark>'],
              fields: {
                name: { number_of_fragments: 0 },
                'tags.text': { number_of_fragments: 0 },
                description: { fragment_size: 200, number_of_fragments: 1 },
              },
            },
          }
        : {}),
    };
    const result = await this.searchIndex(alias, body, 'search');
    if (!result) return { hits: [], total: 0, facets: { languages: [], tags: [], status: [] }, nextCursor: null };
    const hits = result.hits.hits;
    const page = hits.slice(0, query.limit);
    const last = page[page.length - 1];
    const facet = (name: string): FacetCount[] =>
      (result.aggregations?.[name]?.values?.buckets ?? []).map((b) => ({ value: b.key, count: b.doc_count }));
    return {
      hits: page.map(toHit),
      total: result.hits.total.value,
      facets: { languages: facet('languages'), tags: facet('tags'), status: facet('status') },
      nextCursor:
        hits.length > query.limit && last
          ? encodeSearchCursor(sort, sort === '-createdAt' ? String(last.sort[0]) : (last.sort[0] as string | number), last.sort[1] as string)
          : null,
    };
  }

  async suggest(tenantId: string, prefix: string, limit = 5): Promise<Suggestions> {
    const alias = this.alias(tenantId);
    const words = searchWords(prefix).map(foldWord);
    if (words.length === 0) return { names: [], tags: [], languages: [] };
    const prefixes = (field: string) => words.map((w) => ({ prefix: { [field]: { value: w } } }));
    const scan = (field: string, text: string) => ({
      filter: { bool: { filter: prefixes(text) } },
      aggs: { values: { terms: { field, size: 100, order: [{ _count: 'desc' }, { _key: 'asc' }] } } },
    });
    const body = {
      size: limit,
      _source: ['name'],
      // The name prefixes filter the hits only (post_filter): the tag and language scans see every POC.
      query: {
        bool: {
          must: [{ match_all: {} }],
          should: [{ constant_score: { filter: { prefix: { 'name.sort': { value: words.join(' ') } } }, boost: 10 } }],
        },
      },
      post_filter: { bool: { filter: prefixes('name') } },
      sort: [{ _score: 'desc' }, { 'name.sort': 'asc' }, { id: 'asc' }],
      aggs: { tags: scan('tags', 'tags.text'), languages: scan('languages', 'languages.text') },
    };
    const result = await this.searchIndex(alias, body, 'suggest');
    if (!result) return { names: [], tags: [], languages: [] };
    // A document matched through one of its values; keep the values that themselves have a word for each prefix.
    const matching = (name: string) =>
      (result.aggregations?.[name]?.values?.buckets ?? [])
        .map((b) => b.key)
        .filter((value) => {
          const valueWords = searchWords(value).map(foldWord);
          return words.every((w) => valueWords.some((v) => v.startsWith(w)));
        })
        .slice(0, limit);
    return { names: result.hits.hits.map((h) => h._source.name), tags: matching('tags'), languages: matching('languages') };
  }

  async createIndex(tenantId: string): Promise<string> {
    const index = `${this.alias(tenantId)}-r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    await this.call('PUT', `/${index}`, this.indexBody(false), 'create index');
    return index;
  }

  async prepareIndex(tenantId: string, index: string): Promise<void> {
    const target = this.target(tenantId, index);
    await this.call('PUT', `/${target}/_settings`, { index: { refresh_interval: '1s' } }, 'index settings');
    await this.call('POST', `/${target}/_refresh`, undefined, 'refresh');
  }

  async swapIndex(tenantId: string, index: string): Promise<void> {
    const alias = this.alias(tenantId);
    const target = this.target(tenantId, index);
    await this.prepareIndex(tenantId, index);
    const current = await this.client.request('GET', `/_alias/${alias}`);
    const old = current.status === 200 ? Object.keys(current.body as Record<string, unknown>) : [];
    // One request, applied atomically: readers see the old index or the new one, never neither.
    await this.call(
      'POST',
      '/_aliases',
      { actions: [...old.map((i) => ({ remove: { index: i, alias } })), { add: { index: target, alias } }] },
      'alias swap',
    );
    for (const i of old) if (i !== target) await this.call('DELETE', `/${i}`, undefined, 'delete index', (s) => s < 300 || s === 404);
  }

  async dropIndex(tenantId: string, index: string): Promise<void> {
    const target = this.target(tenantId, index);
    const current = await this.client.request('GET', `/_alias/${this.alias(tenantId)}`);
    if (current.status === 200 && Object.keys(current.body as Record<string, unknown>).includes(target)) {
      throw new Error('dropIndex drops a rebuild index, not the live one');
    }
    await this.call('DELETE', `/${target}`, undefined, 'delete index', (s) => s < 300 || s === 404);
  }

  async ping(): Promise<void> {
    await this.call('GET', '/_cluster/health', undefined, 'ping');
  }

  async close(): Promise<void> {
    await this.client.close?.();
  }
}

/** One query word: itself in any of the fields (best field wins), as a prefix (2+ letters), or within its allowed edits. */
function wordClause(word: string, fields: readonly (keyof typeof FIELDS)[]): unknown {
  const boosted = fields.map((f) => `${f}^${FIELDS[f]}`);
  const folded = foldWord(word);
  const edits = allowedEdits(word);
  const should: unknown[] = [{ multi_match: { query: word, fields: boosted, type: 'best_fields', boost: 3 } }];
  if ([...folded].length >= 2) {
    should.push({ dis_max: { queries: fields.map((f) => ({ prefix: { [f]: { value: folded, boost: FIELDS[f] } } })) } });
  }
  if (edits > 0) {
    should.push({ multi_match: { query: word, fields: boosted, type: 'best_fields', fuzziness: edits, prefix_length: 0, max_expansions: 20 } });
  }
  return { bool: { should, minimum_should_match: 1 } };
}

/** The html encoder also escapes `/` and `'`; answer exactly what the Postgres adapter does. */
const sameEscapes = (text: string) => text.replace(/&#x2F;/g, '/').replace(/&#x27;/g, '&#39;');

function toHit(hit: Hit): SearchHit {
  const { nameKey: _nameKey, ...document } = hit._source;
  const highlight: Record<string, string> = {};
  const h = hit.highlight ?? {};
  if (h.name?.length) highlight.name = sameEscapes(h.name.join(' '));
  if (h.description?.length) highlight.description = sameEscapes(h.description.join(' … '));
  if (h['tags.text']?.length) highlight.tags = sameEscapes(h['tags.text'].join(', '));
  return { id: hit._id, score: hit._score ?? 0, document, highlight };
}
