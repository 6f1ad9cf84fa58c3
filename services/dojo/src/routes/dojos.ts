import { Type } from '@sinclair/typebox';
import { CreateDojoBody, Dojo, DojoCode, DojoList, DojoParams, ListDojosQuery } from '@poc/contracts/dojo';
import { type App, IllegalStateError, NotFoundError, UnprocessableError, ValidationError, hasAnyRole, principalOf } from '@poc/platform';
import { dojoIdForKey } from '../idempotency.ts';
import { DOJO_ERR } from '../errors.ts';
import type { SessionExtension } from '../extensions/session.ts';
import type { DocumentStore } from '../store/documents.ts';
import type { DojoRepository, Executed } from '../store/dojos.ts';

export interface DojoRouteDeps {
  dojos: DojoRepository;
  documents: DocumentStore;
  sessions: SessionExtension;
}

const Problem = Type.Object({}, { additionalProperties: true });
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };

/** The HTTP routes of API.md, Dojos. */
export async function dojoRoutes(app: App, deps: DojoRouteDeps): Promise<void> {
  const editors = app.requireRoles('owner', 'admin', 'member');
  const anyone = [app.authenticate];
  const writers = [app.authenticate, editors];

  const current = async (tenantId: string, id: string) => {
    const dojo = await deps.dojos.get(tenantId, id);
    if (!dojo) throw new NotFoundError(DOJO_ERR.NOT_FOUND, 'No dojo with this id.');
    return dojo;
  };
  const afterWrite = async (tenantId: string, id: string, executed: Executed) => {
    if (executed.appended > 0) await deps.sessions.show({ tenantId, dojoId: id }, executed.state);
    return current(tenantId, id);
  };

  app.post(
    '/v1/dojos',
    {
      onRequest: writers,
      schema: { tags: ['dojos'], summary: 'Schedule a dojo', security: [{ bearer: [] }], body: CreateDojoBody, response: { 201: Dojo, ...errors } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      for (const field of ['title', 'language', 'kata'] as const) {
        const value = body[field];
        if (value !== undefined && value.trim() === '') {
          throw new ValidationError(DOJO_ERR.BLANK_FIELD, `${field} must not be blank.`, [{ path: `body.${field}`, message: 'must not be blank' }]);
        }
      }
      const key = request.headers['idempotency-key'];
      if (typeof key === 'string' && key.length > 200) {
        throw new ValidationError(DOJO_ERR.BAD_IDEMPOTENCY_KEY, 'The Idempotency-Key is longer than 200 characters.', [{ path: 'headers.idempotency-key', message: 'at most 200 characters' }]);
      }
      const id = typeof key === 'string' && key.length > 0 ? dojoIdForKey(principal.tenantId, key) : crypto.randomUUID();
      const command = {
        type: 'schedule' as const,
        title: body.title.trim(),
        kata: body.kata?.trim() ?? null,
        language: body.language.trim().toLowerCase(),
        starterCode: body.starterCode ?? '',
        scheduledAt: body.scheduledAt ? new Date(body.scheduledAt).toISOString() : null,
        rotationMinutes: body.rotationMinutes ?? 7,
        by: principal.userId,
        now: new Date(),
      };
      let executed: Executed;
      try {
        executed = await deps.dojos.execute(principal.tenantId, id, command, `user:${principal.userId}`);
      } catch (error) {
        if (!(error instanceof IllegalStateError) || typeof key !== 'string') throw error;
        // A retry with the same Idempotency-Key: the first answer, when it asked for the same dojo.
        const { state, version } = await deps.dojos.load(principal.tenantId, id);
        const same =
          state.title === command.title && state.kata === command.kata && state.language === command.language && state.starterCode === command.starterCode &&
          state.scheduledAt === command.scheduledAt && state.rotationMinutes === command.rotationMinutes && state.createdBy === command.by;
        if (!same) throw new UnprocessableError(DOJO_ERR.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was used for a different request.');
        reply.header('idempotent-replayed', 'true');
        reply.header('consistency-token', `dojo:${version}`);
        return reply.code(201).send(await current(principal.tenantId, id));
      }
      reply.header('consistency-token', `dojo:${executed.version}`);
      return reply.code(201).send(await current(principal.tenantId, id));
    },
  );

  app.get(
    '/v1/dojos',
    { onRequest: anyone, schema: { tags: ['dojos'], summary: 'List dojos, newest first', security: [{ bearer: [] }], querystring: ListDojosQuery, response: { 200: DojoList, ...errors } } },
    async (request) => {
      const q = request.query;
      return deps.dojos.list(principalOf(request).tenantId, { limit: q.limit ?? 20, ...(q.status ? { status: q.status } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) });
    },
  );

  app.get(
    '/v1/dojos/:id',
    { onRequest: anyone, schema: { tags: ['dojos'], summary: 'One dojo', security: [{ bearer: [] }], params: DojoParams, response: { 200: Dojo, ...errors } } },
    async (request) => current(principalOf(request).tenantId, request.params.id),
  );

  app.get(
    '/v1/dojos/:id/code',
    { onRequest: anyone, schema: { tags: ['dojos'], summary: 'The current text of the shared document', security: [{ bearer: [] }], params: DojoParams, response: { 200: DojoCode, ...errors } } },
    async (request) => {
      const tenantId = principalOf(request).tenantId;
      await current(tenantId, request.params.id);
      const text = await deps.documents.text({ tenantId, dojoId: request.params.id });
      return { code: text.code, updatedAt: text.updatedAt?.toISOString() ?? null };
    },
  );

  app.post(
    '/v1/dojos/:id/start',
    {
      onRequest: writers,
      schema: { tags: ['dojos'], summary: 'Start a scheduled dojo now (it also starts when the first editor joins)', security: [{ bearer: [] }], params: DojoParams, response: { 200: Dojo, ...errors } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await current(principal.tenantId, request.params.id);
      const executed = await deps.dojos.execute(principal.tenantId, request.params.id, { type: 'start', by: principal.userId, now: new Date() }, `user:${principal.userId}`);
      reply.header('consistency-token', `dojo:${executed.version}`);
      return afterWrite(principal.tenantId, request.params.id, executed);
    },
  );

  app.post(
    '/v1/dojos/:id/end',
    {
      onRequest: writers,
      schema: { tags: ['dojos'], summary: 'End a dojo: its final code stays readable, no longer editable', security: [{ bearer: [] }], params: DojoParams, response: { 200: Dojo, ...errors } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await current(principal.tenantId, request.params.id);
      const executed = await deps.dojos.execute(
        principal.tenantId,
        request.params.id,
        { type: 'end', by: principal.userId, mayEndAny: hasAnyRole(principal, ['owner', 'admin']), now: new Date() },
        `user:${principal.userId}`,
      );
      reply.header('consistency-token', `dojo:${executed.version}`);
      return afterWrite(principal.tenantId, request.params.id, executed);
    },
  );
}
