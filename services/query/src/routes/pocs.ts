import {
  CONSISTENCY_TOKEN_HEADER,
  Poc,
  PocIdParams,
  PocSearchQuery,
  PocSearchResponse,
  PocSuggestQuery,
  PocSuggestResponse,
  Problem,
  decodeConsistencyToken,
  pocSearchFilters,
  pocSearchSchemas,
  ref,
} from '@poc/contracts';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { type App, NotFoundError, type SearchPort, ValidationError, principalOf } from '@poc/platform';
import { readPocRow } from '@poc/projections';
import type { ProjectionWaiter } from '../consistency.ts';
import { QUERY_ERR } from '../errors.ts';

const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ref(Problem)]));
const TOKEN_HEADERS = Type.Object({
  [CONSISTENCY_TOKEN_HEADER]: Type.Optional(Type.String({ maxLength: 400, description: 'the Consistency-Token of a write: the read waits (up to 5 s) until it is visible' })),
});
const POC_STREAM = /^poc-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export interface PocQueryOptions {
  db: Kysely<unknown>;
  search: SearchPort;
  waiter: ProjectionWaiter;
  /** How long a read with a Consistency-Token waits at most (API.md: 5 s). */
  consistencyWaitMs: number;
}

/**
 * The POC read routes (API.md, POCs): search, suggestions, one POC. The edge
 * sends GET/HEAD of `/v1/pocs*` here. Every route answers from the tenant's
 * read model and search index only; another tenant's POC is a 404.
 */
export async function pocQueryRoutes(app: App, opts: PocQueryOptions): Promise<void> {
  const { db, search, waiter } = opts;
  for (const schema of [Poc, ...pocSearchSchemas, Problem]) app.addSchema(schema);

  /** Read-your-writes: wait until the read model has the token's version of its POC (or time out, and say so). */
  async function awaitToken(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers[CONSISTENCY_TOKEN_HEADER];
    if (typeof header !== 'string' || header === '') return;
    const position = decodeConsistencyToken(header);
    if (!position) {
      throw new ValidationError(QUERY_ERR.CONSISTENCY_TOKEN, 'The Consistency-Token is not one a write of this API answered.', [
        { path: `/headers/${CONSISTENCY_TOKEN_HEADER}`, message: 'must be the Consistency-Token header of a write answer' },
      ]);
    }
    const poc = POC_STREAM.exec(position.stream);
    // Other streams (tenants, users...) have nothing to show here: nothing to wait for.
    if (!poc) return;
    const { tenantId } = principalOf(request);
    const id = poc[1]!.toLowerCase();
    const reached = await waiter.waitFor(
      tenantId,
      async () => ((await readPocRow(db, tenantId, id))?.version ?? 0) >= position.version,
      opts.consistencyWaitMs,
    );
    if (!reached) reply.header('consistency-token-timeout', 'true');
  }

  app.get(
    '/v1/pocs',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['pocs'],
        summary: 'Find POCs',
        description:
          'Free text over name, description and tags (forgiving: prefixes, small typos, accents and case), filters (language: any of; tag: all of; status; created from/to), facets with counts, highlights, cursor pagination. With a `Consistency-Token`, waits until that write is visible (up to 5 s, then answers with `Consistency-Token-Timeout: true`).',
        security: [{ bearer: [] }],
        querystring: PocSearchQuery,
        headers: TOKEN_HEADERS,
        response: { 200: ref(PocSearchResponse), ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      await awaitToken(request, reply);
      const { tenantId } = principalOf(request);
      const q = request.query;
      const page = await search.search(tenantId, { ...pocSearchFilters(q), limit: q.limit, cursor: q.cursor ?? null });
      return {
        items: page.hits.map((h) => ({ ...h.document, highlight: h.highlight }) as PocSearchResponse['items'][number]),
        total: page.total,
        facets: { languages: [...page.facets.languages], tags: [...page.facets.tags], status: [...page.facets.status] },
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/v1/pocs/suggest',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['pocs'],
        summary: 'Suggest as the user types',
        description: 'POC names, tags and languages with a word starting with what was typed (accents and case folded), most relevant first.',
        security: [{ bearer: [] }],
        querystring: PocSuggestQuery,
        response: { 200: ref(PocSuggestResponse), ...problems(400, 401, 429) },
      },
    },
    async (request) => {
      const s = await search.suggest(principalOf(request).tenantId, request.query.q, request.query.limit);
      return { names: [...s.names], tags: [...s.tags], languages: [...s.languages] };
    },
  );

  app.get(
    '/v1/pocs/:id',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['pocs'],
        summary: 'One POC',
        description: 'The POC, with `ETag` its version. 404 when there is none with this id in your tenant (or it was deleted). With a `Consistency-Token`, waits until that write is visible.',
        security: [{ bearer: [] }],
        params: PocIdParams,
        headers: TOKEN_HEADERS,
        response: { 200: ref(Poc), ...problems(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      await awaitToken(request, reply);
      const row = await readPocRow(db, principalOf(request).tenantId, request.params.id.toLowerCase());
      if (!row || row.deletedAt) throw new NotFoundError(QUERY_ERR.POC_NOT_FOUND, 'There is no POC with this id.');
      reply.header('etag', `"${row.version}"`);
      return row.poc;
    },
  );
}
