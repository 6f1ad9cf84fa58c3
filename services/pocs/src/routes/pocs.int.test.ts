import { randomUUID } from 'node:crypto';
import { decodeConsistencyToken } from '@poc/contracts';
import { schemaErrors } from '@poc/contracts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PocsHarness, type TestUser, startPocs } from '../testing/harness.ts';

let h: PocsHarness;
beforeAll(async () => {
  h = await startPocs();
});
afterAll(async () => h?.close());

const post = (user: TestUser | null, payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/v1/pocs', headers: { ...(user?.auth ?? {}), ...headers }, payload: payload as object });
const patch = (user: TestUser, id: string, payload: unknown, ifMatch: string | null, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'PATCH', url: `/v1/pocs/${id}`, headers: { ...user.auth, ...(ifMatch === null ? {} : { 'if-match': ifMatch }), ...headers }, payload: payload as object });
const del = (user: TestUser, id: string, ifMatch?: string) =>
  h.app.inject({ method: 'DELETE', url: `/v1/pocs/${id}`, headers: { ...user.auth, ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) } });

async function created(user: TestUser, body: object = { name: 'Outbox relay', tags: ['kafka', 'outbox'] }): Promise<string> {
  const res = await post(user, body);
  expect(res.statusCode, res.body).toBe(201);
  expect(schemaErrors('http/PocWriteResponse.json', res.json())).toEqual([]);
  return res.json().id as string;
}

/** The problem answer of a bad request: status, problem+json, the named field, and the tenant's log unchanged. */
async function expectProblem(res: Awaited<ReturnType<typeof post>>, status: number, tenantId: string, eventsBefore: number, path?: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(schemaErrors('problem.json', body)).toEqual([]);
  expect(body.status).toBe(status);
  if (path) expect(body.errors?.map((e: { path: string }) => e.path), body.detail).toContain(path);
  expect(res.headers['consistency-token']).toBeUndefined();
  expect(await h.eventsOf(tenantId)).toHaveLength(eventsBefore);
}

describe('POST /v1/pocs', () => {
  it('given a member, when they register a POC, then 201 { id, version: 1 } with a Consistency-Token, and poc.created holds the normalised POC', async () => {
    const alice = await h.user(['member']);
    const res = await post(alice, {
      name: '  Kafka outbox relay ',
      description: 'Relay the outbox to Kafka\nwith retries',
      languages: [' TypeScript', 'typescript ', 'SQL'],
      tags: ['Kafka', ' kafka', 'Event  Sourcing'],
      repoUrl: 'https://github.com/acme/outbox-relay/',
      status: 'in_progress',
      startedAt: '2025-03-01T10:00:00+02:00',
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id, version } = res.json();
    expect(version).toBe(1);
    expect(res.headers.location).toBe(`/v1/pocs/${id}`);
    expect(decodeConsistencyToken(String(res.headers['consistency-token']))).toEqual({ stream: `poc-${id}`, version: 1 });

    const [event, ...rest] = await h.store.readStream(alice.tenantId, `poc-${id}`);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: 'poc.created',
      schemaVersion: 2,
      tenantId: alice.tenantId,
      aggregateId: id,
      aggregateVersion: 1,
      actor: `user:${alice.userId}`,
      data: {
        name: 'Kafka outbox relay',
        description: 'Relay the outbox to Kafka\nwith retries',
        languages: ['typescript', 'sql'],
        tags: ['kafka', 'event sourcing'],
        repoUrl: 'https://github.com/acme/outbox-relay',
        status: 'in_progress',
        startedAt: '2025-03-01T08:00:00.000Z',
        finishedAt: null,
      },
    });
    expect(await h.eventsOf(alice.tenantId)).toHaveLength(1);
  });

  it('given only a name, then the defaults: no description, languages, tags or repo, status idea', async () => {
    const bob = await h.user(['owner']);
    const id = await created(bob, { name: 'Just an idea' });
    const [event] = await h.store.readStream(bob.tenantId, `poc-${id}`);
    expect(event?.data).toEqual({ name: 'Just an idea', description: '', languages: [], tags: [], repoUrl: null, status: 'idea', startedAt: null, finishedAt: null });
  });

  const long = (n: number) => 'x'.repeat(n);
  const bad: [string, unknown, string][] = [
    ['no name', { description: 'x' }, 'body.name'],
    ['an empty name', { name: '' }, 'body.name'],
    ['a blank name', { name: '   ' }, 'body.name'],
    ['a name over 200 characters', { name: long(201) }, 'body.name'],
    ['a control character in the name', { name: 'a\u0007b' }, 'body.name'],
    ['a name that is not a string', { name: { first: 'x' } }, 'body.name'],
    ['a description over 5,000 characters', { name: 'n', description: long(5001) }, 'body.description'],
    ['a language that is not a string', { name: 'n', languages: [{}] }, 'body.languages.0'],
    ['a blank language', { name: 'n', languages: ['go', ' '] }, 'body.languages.1'],
    ['more than 20 languages', { name: 'n', languages: Array.from({ length: 21 }, (_, i) => `l${i}`) }, 'body.languages'],
    ['a tag over 50 characters', { name: 'n', tags: [long(51)] }, 'body.tags.0'],
    ['a blank tag', { name: 'n', tags: ['ok', '  '] }, 'body.tags.1'],
    ['more than 50 tags', { name: 'n', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'body.tags'],
    ['an http repoUrl', { name: 'n', repoUrl: 'http://github.com/acme/x' }, 'body.repoUrl'],
    ['a repoUrl on another host', { name: 'n', repoUrl: 'https://gitlab.com/acme/x' }, 'body.repoUrl'],
    ['a look-alike GitHub host', { name: 'n', repoUrl: 'https://github.com.evil.example/acme/x' }, 'body.repoUrl'],
    ['a GitHub URL with no owner', { name: 'n', repoUrl: 'https://github.com/' }, 'body.repoUrl'],
    ['a GitHub URL with an impossible owner', { name: 'n', repoUrl: 'https://github.com/-acme/x' }, 'body.repoUrl'],
    ['an unknown status', { name: 'n', status: 'finished' }, 'body.status'],
    ['a startedAt that is not a date-time', { name: 'n', startedAt: 'yesterday' }, 'body.startedAt'],
    ['finishedAt before startedAt', { name: 'n', startedAt: '2025-02-01T00:00:00Z', finishedAt: '2025-01-01T00:00:00Z' }, 'body.finishedAt'],
    ['an unknown field', { name: 'n', owner: 'someone' }, 'body.owner'],
    ['a tenant id in the body (the tenant comes from the token only)', { name: 'n', tenantId: randomUUID() }, 'body.tenantId'],
  ];
  it.each(bad)('given %s, then 400 problem+json naming the field, and nothing is appended', async (_case, body, path) => {
    const user = await h.user(['member']);
    await expectProblem(await post(user, body), 400, user.tenantId, 0, path);
  });

  it('given a malformed Idempotency-Key, then 400 naming the header', async () => {
    const user = await h.user();
    await expectProblem(await post(user, { name: 'n' }, { 'idempotency-key': 'has space' }), 400, user.tenantId, 0, 'headers.idempotency-key');
  });

  it('given broken JSON, a non-JSON media type, a text body or a body over the size limit, then 400 / 415 / 400 / 413 and nothing appended', async () => {
    const user = await h.user();
    const broken = await h.app.inject({ method: 'POST', url: '/v1/pocs', headers: { ...user.auth, 'content-type': 'application/json' }, payload: '{"name":' });
    await expectProblem(broken, 400, user.tenantId, 0);
    const xml = await h.app.inject({ method: 'POST', url: '/v1/pocs', headers: { ...user.auth, 'content-type': 'application/xml' }, payload: '<poc/>' });
    await expectProblem(xml, 415, user.tenantId, 0);
    const text = await h.app.inject({ method: 'POST', url: '/v1/pocs', headers: { ...user.auth, 'content-type': 'text/plain' }, payload: 'name=x' });
    await expectProblem(text, 400, user.tenantId, 0, 'body');
    const huge = await post(user, { name: 'n', description: 'x'.repeat(1_100_000) });
    await expectProblem(huge, 413, user.tenantId, 0);
  });

  it('given no token or a bad one, then 401; given an analyst, then 403; nothing appended', async () => {
    const analyst = await h.user(['analyst']);
    await expectProblem(await post(null, { name: 'n' }), 401, analyst.tenantId, 0);
    await expectProblem(await post(null, { name: 'n' }, { authorization: 'Bearer nope' }), 401, analyst.tenantId, 0);
    const res = await post(analyst, { name: 'n' });
    await expectProblem(res, 403, analyst.tenantId, 0);
    expect(res.json().code).toBe('POC_ERR_READ_ONLY');
  });
});

describe('PATCH /v1/pocs/:id', () => {
  it('given a POC at version 1, when its author renames it with If-Match: 1, then 200 { version: 2 }, a token for version 2, and poc.updated', async () => {
    const alice = await h.user();
    const id = await created(alice);
    const res = await patch(alice, id, { name: ' Outbox relay v2 ' }, '1');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ id, version: 2 });
    expect(schemaErrors('http/PocWriteResponse.json', res.json())).toEqual([]);
    expect(decodeConsistencyToken(String(res.headers['consistency-token']))).toEqual({ stream: `poc-${id}`, version: 2 });
    const events = await h.store.readStream(alice.tenantId, `poc-${id}`);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['poc.created', expect.anything()],
      ['poc.updated', { name: 'Outbox relay v2' }],
    ]);
  });

  it('when tags, languages and status change, then granular events in one append; If-Match may be quoted or weak as an ETag', async () => {
    const alice = await h.user();
    const id = await created(alice);
    const res = await patch(alice, id, { tags: ['OUTBOX', 'cdc'], languages: ['Go'], status: 'done' }, '"1"');
    expect(res.json()).toEqual({ id, version: 5 });
    const events = await h.store.readStream(alice.tenantId, `poc-${id}`);
    expect(events.slice(1).map((e) => [e.type, e.data])).toEqual([
      ['poc.updated', { languages: ['go'] }],
      ['poc.tagged', { tags: ['cdc'] }],
      ['poc.untagged', { tags: ['kafka'] }],
      ['poc.status_changed', { from: 'idea', to: 'done' }],
    ]);
    expect((await patch(alice, id, { description: 'weak etag' }, 'W/"5"')).statusCode).toBe(200);
  });

  it('when nothing changes, then 200 at the same version and nothing appended', async () => {
    const alice = await h.user();
    const id = await created(alice);
    const res = await patch(alice, id, { name: 'Outbox relay', tags: ['Outbox', 'kafka'] }, '1');
    expect(res.json()).toEqual({ id, version: 1 });
    expect(decodeConsistencyToken(String(res.headers['consistency-token']))).toEqual({ stream: `poc-${id}`, version: 1 });
    expect(await h.eventsOf(alice.tenantId)).toHaveLength(1);
  });

  it('given If-Match names an older version, then 412 and nothing appended', async () => {
    const alice = await h.user();
    const id = await created(alice);
    await patch(alice, id, { name: 'v2' }, '1');
    const res = await patch(alice, id, { name: 'based on v1' }, '1');
    await expectProblem(res, 412, alice.tenantId, 2);
    expect(res.json().code).toBe('POC_ERR_VERSION_MISMATCH');
  });

  const badPatches: [string, unknown, string | null, string][] = [
    ['no If-Match', { name: 'x' }, null, 'headers.if-match'],
    ['an If-Match that is not a version', { name: 'x' }, 'abc', 'headers.if-match'],
    ['an empty body', {}, '1', 'body'],
    ['a blank name', { name: '  ' }, '1', 'body.name'],
    ['a null name', { name: null }, '1', 'body.name'],
    ['a blank tag', { tags: ['a', ''] }, '1', 'body.tags.1'],
    ['a repoUrl off GitHub', { repoUrl: 'https://example.com/x' }, '1', 'body.repoUrl'],
    ['an unknown status', { status: 'paused' }, '1', 'body.status'],
    ['finishedAt before the stored startedAt', { finishedAt: '2000-01-01T00:00:00Z' }, '1', 'body.finishedAt'],
    ['an unknown field', { version: 7 }, '1', 'body.version'],
  ];
  it.each(badPatches)('given %s, then 400 problem+json naming the field, and nothing appended', async (_case, body, ifMatch, path) => {
    const alice = await h.user();
    const id = await created(alice, { name: 'n', startedAt: '2025-01-01T00:00:00Z' });
    await expectProblem(await patch(alice, id, body, ifMatch), 400, alice.tenantId, 1, path);
  });

  it('given an id that is not a UUID, then 400 naming params.id', async () => {
    const alice = await h.user();
    await expectProblem(await patch(alice, 'not-a-uuid', { name: 'x' }, '1'), 400, alice.tenantId, 0, 'params.id');
  });

  it("given another tenant's POC, then 404 (as if it did not exist) and neither tenant's log changes", async () => {
    const alice = await h.user(['owner']);
    const mallory = await h.user(['owner']);
    const id = await created(alice);
    await expectProblem(await patch(mallory, id, { name: 'mine' }, '1'), 404, mallory.tenantId, 0);
    await expectProblem(await del(mallory, id), 404, mallory.tenantId, 0);
    expect(await h.eventsOf(alice.tenantId)).toHaveLength(1);
    await expectProblem(await patch(alice, randomUUID(), { name: 'x' }, '1'), 404, alice.tenantId, 1);
  });

  it('a member changes only their own POCs; owner and admin any in their tenant; analyst none', async () => {
    const author = await h.user(['member']);
    const tenant = author.tenantId;
    const [member, admin, owner, analyst] = await Promise.all([h.user(['member'], tenant), h.user(['admin'], tenant), h.user(['owner'], tenant), h.user(['analyst'], tenant)]);
    const id = await created(author);
    const byMember = await patch(member, id, { name: 'hijacked' }, '1');
    await expectProblem(byMember, 403, tenant, 1);
    expect(byMember.json().code).toBe('POC_ERR_NOT_AUTHOR');
    await expectProblem(await patch(analyst, id, { name: 'x' }, '1'), 403, tenant, 1);
    await expectProblem(await del(member, id), 403, tenant, 1);
    expect((await patch(admin, id, { name: 'by admin' }, '1')).json()).toEqual({ id, version: 2 });
    expect((await patch(owner, id, { name: 'by owner' }, '2')).json()).toEqual({ id, version: 3 });
    expect((await patch(author, id, { name: 'by author' }, '3')).json()).toEqual({ id, version: 4 });
  });
});

describe('DELETE /v1/pocs/:id', () => {
  it('given a POC, when its author deletes it, then 204 with a Consistency-Token, poc.deleted, and the POC is gone for later writes', async () => {
    const alice = await h.user();
    const id = await created(alice);
    const res = await del(alice, id);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(decodeConsistencyToken(String(res.headers['consistency-token']))).toEqual({ stream: `poc-${id}`, version: 2 });
    expect((await h.store.readStream(alice.tenantId, `poc-${id}`)).map((e) => e.type)).toEqual(['poc.created', 'poc.deleted']);
    await expectProblem(await del(alice, id), 404, alice.tenantId, 2);
    await expectProblem(await patch(alice, id, { name: 'back' }, '2'), 404, alice.tenantId, 2);
  });

  it('with a stale If-Match, then 412 and nothing appended; with the current one, 204', async () => {
    const alice = await h.user();
    const id = await created(alice);
    await patch(alice, id, { name: 'v2' }, '1');
    await expectProblem(await del(alice, id, '1'), 412, alice.tenantId, 2);
    expect((await del(alice, id, '2')).statusCode).toBe(204);
  });

  it('given an owner, then they may delete a POC another member created', async () => {
    const author = await h.user(['member']);
    const owner = await h.user(['owner'], author.tenantId);
    const id = await created(author);
    expect((await del(owner, id)).statusCode).toBe(204);
  });
});

describe('the OpenAPI document', () => {
  it('describes the three write routes with their schemas by reference', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/pocs', '/v1/pocs/{id}']));
    expect(doc.paths['/v1/pocs'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/PocCreateRequest');
    expect(doc.paths['/v1/pocs/{id}'].patch.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['path:id', 'header:if-match']),
    );
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['PocCreateRequest', 'PocUpdateRequest', 'PocWriteResponse', 'Problem']));
  });
});
