import { encodeConsistencyToken } from '@poc/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReadSideHarness, type TestUser, startReadSide } from '../testing/harness.ts';
import { testReadYourWrites } from '../testing/read-your-writes.ts';

testReadYourWrites('PostgreSQL search');

describe('GET /v1/pocs, /v1/pocs/:id, /v1/pocs/suggest', () => {
  let h: ReadSideHarness;
  let alice: TestUser;
  let bob: TestUser;
  let lastToken = '';
  const ids: Record<string, string> = {};

  const create = async (user: TestUser, payload: Record<string, unknown>) => {
    const res = await h.pocs.inject({ method: 'POST', url: '/v1/pocs', headers: user.auth, payload });
    expect(res.statusCode).toBe(201);
    lastToken = res.headers['consistency-token'] as string;
    return res.json<{ id: string }>().id;
  };
  const get = (user: TestUser, url: string, headers: Record<string, string> = {}) =>
    h.query.inject({ method: 'GET', url, headers: { ...user.auth, ...(user === alice ? { 'consistency-token': lastToken } : {}), ...headers } });

  beforeAll(async () => {
    h = await startReadSide({ env: { CONSISTENCY_WAIT_MS: '2000' } });
    alice = await h.user();
    bob = await h.user();
    // Bob's first: the last token is then Alice's, and her reads wait for all of her POCs.
    ids.secret = await create(bob, { name: 'Bob kubernetes secret', tags: ['kubernetes'] });
    ids.operator = await create(alice, { name: 'Kubernetes operator', description: 'Reconciles things.', languages: ['Go'], tags: ['kubernetes', 'infra'], status: 'done' });
    ids.integration = await create(alice, { name: 'Integração contínua', description: 'Pipelines em São Paulo.', languages: ['Groovy'], tags: ['ci'] });
    ids.billing = await create(alice, { name: 'Billing service', description: 'Runs on Kubernetes.', languages: ['Java', 'Kotlin'], tags: ['payments'], status: 'in_progress' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('finds by text with relevance, highlights and facets, only in the caller\'s tenant', async () => {
    const res = await get(alice, '/v1/pocs?q=kubernets');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ items: { id: string; name: string; highlight: Record<string, string> }[]; total: number; facets: Record<string, { value: string; count: number }[]>; nextCursor: string | null }>();
    expect(body.items.map((i) => i.name)).toEqual(['Kubernetes operator', 'Billing service']);
    expect(body.items[0]!.highlight.name).toBe('<mark>Kubernetes</mark> operator');
    expect(body.total).toBe(2);
    expect(body.facets.languages).toEqual(expect.arrayContaining([{ value: 'go', count: 1 }, { value: 'java', count: 1 }]));
    expect(body.nextCursor).toBeNull();
  });

  it('filters: language any of (normalised), tag all of, status', async () => {
    const names = async (qs: string) => (await get(alice, `/v1/pocs?${qs}`)).json<{ items: { name: string }[] }>().items.map((i) => i.name).sort();
    expect(await names('language=GO&language=kotlin')).toEqual(['Billing service', 'Kubernetes operator']);
    expect(await names('tag=kubernetes&tag=infra')).toEqual(['Kubernetes operator']);
    expect(await names('status=in_progress')).toEqual(['Billing service']);
    expect(await names('q=integracao')).toEqual(['Integração contínua']);
    expect(await names('name=kubernetes')).toEqual(['Kubernetes operator']);
    expect(await names(`from=${encodeURIComponent('2000-01-01T00:00:00Z')}&to=${encodeURIComponent('2001-01-01T00:00:00Z')}`)).toEqual([]);
    expect((await names(`from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).length).toBe(3);
  });

  it('pages with a cursor and a stable order', async () => {
    const first = (await get(alice, '/v1/pocs?sort=name&limit=2')).json<{ items: { name: string }[]; nextCursor: string }>();
    expect(first.items.map((i) => i.name)).toEqual(['Billing service', 'Integração contínua']);
    const second = (await get(alice, `/v1/pocs?sort=name&limit=2&cursor=${first.nextCursor}`)).json<{ items: { name: string }[]; nextCursor: string | null }>();
    expect(second.items.map((i) => i.name)).toEqual(['Kubernetes operator']);
    expect(second.nextCursor).toBeNull();
  });

  it('bad input is a problem naming the field, and no token is a 401', async () => {
    for (const [qs, path] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['status=finished', 'status'], ['from=yesterday', 'from'], ['sort=random', 'sort'], ['cursor=garbage', 'cursor']]) {
      const res = await get(alice, `/v1/pocs?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.json<{ errors: unknown[] }>().errors), qs).toContain(path);
    }
    expect((await h.query.inject({ method: 'GET', url: '/v1/pocs' })).statusCode).toBe(401);
    expect((await h.query.inject({ method: 'GET', url: `/v1/pocs/${ids.operator}` })).statusCode).toBe(401);
  });

  it("GET /v1/pocs/:id answers the POC with its version as ETag; another tenant's id is a 404", async () => {
    const res = await get(alice, `/v1/pocs/${ids.operator}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: ids.operator, name: 'Kubernetes operator', languages: ['go'], tags: ['kubernetes', 'infra'], version: 1, createdBy: alice.userId });
    expect(res.headers.etag).toBe('"1"');
    const other = await get(alice, `/v1/pocs/${ids.secret}`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ status: 404 });
    expect((await get(bob, `/v1/pocs/${ids.operator}`)).statusCode).toBe(404);
    expect((await get(alice, '/v1/pocs/not-a-uuid')).statusCode).toBe(400);
  });

  it('suggests names, tags and languages as the user types', async () => {
    const res = await get(alice, '/v1/pocs/suggest?q=kub');
    expect(res.json()).toEqual({ names: ['Kubernetes operator'], tags: ['kubernetes'], languages: [] });
    expect((await get(alice, '/v1/pocs/suggest?q=integ')).json<{ names: string[] }>().names).toEqual(['Integração contínua']);
    expect((await get(bob, '/v1/pocs/suggest?q=integ')).json<{ names: string[] }>().names).toEqual([]);
  });

  it('a token the projection never reaches answers after the bounded wait with Consistency-Token-Timeout', async () => {
    const future = encodeConsistencyToken({ stream: `poc-${ids.operator}`, version: 99 });
    const started = Date.now();
    const res = await get(alice, `/v1/pocs/${ids.operator}`, { 'consistency-token': future });
    expect(res.statusCode).toBe(200);
    expect(res.headers['consistency-token-timeout']).toBe('true');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    // Another tenant's stream never shows up in this tenant: waiting reveals nothing either.
    const theirs = encodeConsistencyToken({ stream: `poc-${ids.secret}`, version: 1 });
    expect((await get(alice, '/v1/pocs?q=secret', { 'consistency-token': theirs })).json<{ total: number }>().total).toBe(0);
  });

  it('a malformed token is a 400 naming the header', async () => {
    const res = await get(alice, '/v1/pocs', { 'consistency-token': 'not a token' });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain('consistency-token');
  });

  it('the routes are in the OpenAPI document with their schemas', async () => {
    const doc = (await h.query.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/pocs', '/v1/pocs/suggest', '/v1/pocs/{id}']));
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Poc', 'PocSearchResponse', 'PocSuggestResponse']));
  });
});
