import { type Static, Type } from '@sinclair/typebox';
import { Poc } from './http.ts';
import { type PocStatus, PocStatusSchema } from './fields.ts';
import { normaliseLabel } from './normalise.ts';

/**
 * The read side's POC schemas (API.md, POCs: `GET /v1/pocs`, `/suggest`).
 * Search matching is the search port's: words, prefixes, small typos, case
 * and accents folded.
 */

const Label = Type.String({ minLength: 1, maxLength: 100 });

/**
 * The filters of `GET /v1/pocs` (no paging): the reports' exports take the
 * same ones (`GET /v1/reports/pocs.csv`), so they are defined once, here.
 */
export const pocSearchFilterProperties = {
  q: Type.Optional(Type.String({ maxLength: 200, description: 'free text over name, description and tags' })),
  name: Type.Optional(Type.String({ maxLength: 200, description: 'free text over the name only' })),
  language: Type.Optional(Type.Array(Label, { maxItems: 20, description: 'any of these languages' })),
  tag: Type.Optional(Type.Array(Label, { maxItems: 20, description: 'all of these tags' })),
  status: Type.Optional(PocStatusSchema),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'created at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'created before' })),
  sort: Type.Optional(Type.Union([Type.Literal('relevance'), Type.Literal('-createdAt'), Type.Literal('name')], { description: 'default: relevance with text, else -createdAt' })),
};
export const PocSearchFilterQuery = Type.Object(pocSearchFilterProperties);
export type PocSearchFilterQuery = Static<typeof PocSearchFilterQuery>;

/** `GET /v1/pocs` query string. `language` and `tag` repeat (`?tag=a&tag=b`). */
export const PocSearchQuery = Type.Object(
  {
    ...pocSearchFilterProperties,
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type PocSearchQuery = Static<typeof PocSearchQuery>;

const FacetCounts = Type.Array(Type.Object({ value: Type.String(), count: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }));

/** One result: the POC, and its matched text with `<mark>` around the matches (HTML-escaped). */
export const PocSearchItem = Type.Object(
  {
    ...Poc.properties,
    highlight: Type.Record(Type.String(), Type.String(), { description: 'per field (name, description, tags): matched text, HTML-escaped, matches in <mark>' }),
  },
  { $id: 'PocSearchItem', additionalProperties: false, title: 'POC found' },
);
export type PocSearchItem = Static<typeof PocSearchItem>;

/** `GET /v1/pocs` answer. A facet's count is the total you get by choosing that value (tags: by adding it). */
export const PocSearchResponse = Type.Object(
  {
    items: Type.Array(Type.Ref('PocSearchItem')),
    total: Type.Integer({ minimum: 0 }),
    facets: Type.Object({ languages: FacetCounts, tags: FacetCounts, status: FacetCounts }, { additionalProperties: false }),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'PocSearchResponse', additionalProperties: false, title: 'POCs found' },
);
export type PocSearchResponse = Static<typeof PocSearchResponse>;

/** `GET /v1/pocs/suggest` query string. */
export const PocSuggestQuery = Type.Object(
  {
    q: Type.String({ maxLength: 100, description: 'what the user typed so far' }),
    limit: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
  },
  { additionalProperties: false },
);
export type PocSuggestQuery = Static<typeof PocSuggestQuery>;

export const PocSuggestResponse = Type.Object(
  { names: Type.Array(Type.String()), tags: Type.Array(Type.String()), languages: Type.Array(Type.String()) },
  { $id: 'PocSuggestResponse', additionalProperties: false, title: 'Suggestions' },
);
export type PocSuggestResponse = Static<typeof PocSuggestResponse>;

/** The read side's schemas with an `$id`, to register with `app.addSchema`. */
export const pocSearchSchemas = [PocSearchItem, PocSearchResponse, PocSuggestResponse];


/**
 * The search filters of a `GET /v1/pocs`-style query string, as the search
 * port takes them (the shape of its `SearchQuery`, without paging): labels
 * normalised like the stored ones (`language=Go` matches `go`), absent
 * filters left out.
 *
 * @example
 * search.search(tenantId, { ...pocSearchFilters(request.query), limit: 20, cursor: null });
 */
export interface PocSearchFilters {
  readonly q?: string;
  readonly name?: string;
  readonly languages?: readonly string[];
  readonly tags?: readonly string[];
  readonly status?: PocStatus;
  readonly from?: string;
  readonly to?: string;
  readonly sort?: 'relevance' | '-createdAt' | 'name';
}

export function pocSearchFilters(query: PocSearchFilterQuery): PocSearchFilters {
  return {
    ...(query.q !== undefined ? { q: query.q } : {}),
    ...(query.name !== undefined ? { name: query.name } : {}),
    ...(query.language ? { languages: query.language.map(normaliseLabel) } : {}),
    ...(query.tag ? { tags: query.tag.map(normaliseLabel) } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
    ...(query.sort ? { sort: query.sort } : {}),
  };
}
