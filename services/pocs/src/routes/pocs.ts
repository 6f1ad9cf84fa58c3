import {
  CONSISTENCY_TOKEN_HEADER,
  PocCreateHeaders,
  PocCreateRequest,
  PocDeleteHeaders,
  PocIdParams,
  PocUpdateHeaders,
  PocUpdateRequest,
  PocWriteResponse,
  Problem,
  parseIfMatch,
  pocHttpSchemas,
  ref,
} from '@poc/contracts';
import { type App, principalOf } from '@poc/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandContext, PocCommands, WriteOutcome } from '../pocs.ts';

const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ref(Problem)]));
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

function contextOf(request: FastifyRequest): CommandContext {
  const traceparent = request.headers.traceparent;
  return {
    principal: principalOf(request),
    correlationId: request.id,
    traceparent: typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? traceparent : null,
  };
}

function answer(reply: FastifyReply, outcome: WriteOutcome) {
  reply.code(outcome.statusCode).header(CONSISTENCY_TOKEN_HEADER, outcome.consistencyToken);
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  if (outcome.statusCode === 201 && outcome.body) reply.header('location', `/v1/pocs/${outcome.body.id}`);
  return outcome.body === null ? reply.send() : reply.send(outcome.body);
}

/**
 * The POC write routes (API.md, POCs). The edge sends POST/PATCH/DELETE of
 * `/v1/pocs*` here; reads go to the query service. Every write answers a
 * `Consistency-Token`.
 */
export async function pocRoutes(app: App, opts: { commands: PocCommands }): Promise<void> {
  const { commands } = opts;
  for (const schema of [...pocHttpSchemas, Problem]) app.addSchema(schema);

  app.post(
    '/v1/pocs',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['pocs'],
        summary: 'Register a POC',
        description: 'Creates a POC. Languages and tags are trimmed, lower-cased and de-duplicated. With `Idempotency-Key`, a retry returns the first answer (with `Idempotent-Replayed: true`); the same key with another body is a 422. Answers a `Consistency-Token`.',
        security: [{ bearer: [] }],
        headers: PocCreateHeaders,
        body: ref(PocCreateRequest),
        response: { 201: ref(PocWriteResponse), ...problems(400, 401, 403, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => answer(reply, await commands.create(contextOf(request), request.body, request.headers['idempotency-key'] ?? null)),
  );

  app.patch(
    '/v1/pocs/:id',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['pocs'],
        summary: 'Change a POC',
        description: 'Applies any non-empty subset of the fields (`tags` and `languages` replace the lists). `If-Match` must name the current version: 412 when it moved on. A member may change only the POCs they created. Answers a `Consistency-Token`.',
        security: [{ bearer: [] }],
        params: PocIdParams,
        headers: PocUpdateHeaders,
        body: ref(PocUpdateRequest),
        response: { 200: ref(PocWriteResponse), ...problems(400, 401, 403, 404, 412, 413, 415, 429) },
      },
    },
    async (request, reply) =>
      answer(reply, await commands.update(contextOf(request), request.params.id.toLowerCase(), request.body, parseIfMatch(request.headers['if-match']))),
  );

  app.delete(
    '/v1/pocs/:id',
    {
      onRequest: [app.authenticate],
      schema: {
        tags: ['pocs'],
        summary: 'Delete a POC',
        description: 'Deletes the POC (its history stays in the event store). With `If-Match`, only at that version (412 otherwise). Answers a `Consistency-Token`.',
        security: [{ bearer: [] }],
        params: PocIdParams,
        headers: PocDeleteHeaders,
        response: { 204: { type: 'null', description: 'deleted' }, ...problems(400, 401, 403, 404, 409, 412, 429) },
      },
    },
    async (request, reply) => {
      const ifMatch = request.headers['if-match'];
      return answer(reply, await commands.remove(contextOf(request), request.params.id.toLowerCase(), ifMatch === undefined ? null : parseIfMatch(ifMatch)));
    },
  );
}
