import { describe, expect, it } from 'vitest';
import { Session } from '../auth/session';
import { memoryStore } from '../offline/kv';
import { createFakeApi } from '../testing/fake-api';
import { ApiClient } from './client';
import { ApiError, NetworkError, SessionExpiredError } from './errors';

let n = 0;
const newId = () => `key-${++n}`;

async function given(options: { signedIn?: boolean } = {}) {
  const api = createFakeApi();
  const store = memoryStore();
  const session = new Session(store);
  const client = new ApiClient({ baseUrl: 'http://edge.test', session, newId, fetch: api.fetch });
  if (options.signedIn !== false) {
    await api.seedAccount('acme');
    await client.login({ tenant: 'acme', email: 'owner@acme.test', password: 'correct horse battery staple' });
  }
  return { api, client, session, store };
}

describe('the API client', () => {
  it('signs up: the tenant and its owner exist and the session is kept in storage', async () => {
    const { client, session, store } = await given({ signedIn: false });
    const res = await client.signUp({ name: 'Açaí Labs', slug: 'acai', admin: { email: 'ana@acai.test', password: 'a long enough secret', displayName: 'Ana' } });
    expect(res.tenant.slug).toBe('acai');
    expect(session.current?.tenantSlug).toBe('acai');
    expect(JSON.parse(store.dump()['poc-tracker.session']!).accessToken).toBe(res.accessToken);
    expect((await client.me()).email).toBe('ana@acai.test');
  });

  it('turns a problem+json answer into an ApiError with the field errors keyed by form field', async () => {
    const { client } = await given({ signedIn: false });
    const error = await client.signUp({ name: 'X', slug: 'x', admin: { email: 'nope', password: 'short', displayName: 'X' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).fieldErrors).toMatchObject({ 'admin.email': expect.stringContaining('email'), 'admin.password': expect.stringContaining('12') });
  });

  it('renews an expired access token silently and retries the request once', async () => {
    const { api, client, session } = await given();
    const before = session.current!.accessToken;
    api.expireAccessTokens();
    const me = await client.me();
    expect(me.email).toBe('owner@acme.test');
    expect(session.current!.accessToken).not.toBe(before);
    expect(api.state.requests.filter((r) => r.path === '/v1/auth/refresh')).toHaveLength(1);
  });

  it('renews once for many concurrent requests (a second refresh with the same token would revoke the family)', async () => {
    const { api, client } = await given();
    api.expireAccessTokens();
    const results = await Promise.all([client.me(), client.listPocs(), client.me(), client.listDojos()]);
    expect(results).toHaveLength(4);
    expect(api.state.requests.filter((r) => r.path === '/v1/auth/refresh')).toHaveLength(1);
  });

  it('two tabs sharing storage and a lock renew the pair once; without the lock the second spends a dead token', async () => {
    for (const shared of [true, false]) {
      const api = createFakeApi();
      await api.seedAccount('acme');
      const store = memoryStore();
      let chain: Promise<unknown> = Promise.resolve();
      const withLock = <T,>(_name: string, fn: () => Promise<T>): Promise<T> => {
        const next = chain.then(fn, fn);
        chain = next.catch(() => undefined);
        return next;
      };
      const sessions = [new Session(store), new Session(store)] as const;
      const [a, b] = sessions.map((session) => new ApiClient({ baseUrl: '', session, newId, fetch: api.fetch, ...(shared ? { withLock } : {}) }));
      await a!.login({ tenant: 'acme', email: 'owner@acme.test', password: 'correct horse battery staple' });
      await sessions[1].load(); // the second tab starts with what the first stored
      api.expireAccessTokens();
      const results = await Promise.allSettled([a!.me(), b!.me()]);
      const refreshes = api.state.requests.filter((r) => r.path === '/v1/auth/refresh');
      if (shared) {
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
        expect(refreshes).toHaveLength(1);
      } else {
        expect(results.some((r) => r.status === 'rejected')).toBe(true);
        expect(refreshes).toHaveLength(2);
      }
    }
  });

  it('ends the session when the refresh token is refused', async () => {
    const { api, client, session } = await given();
    const revoked = { ...session.current! };
    await client.logout(); // the server revokes the refresh token's family
    await session.set({ accessToken: revoked.accessToken, refreshToken: revoked.refreshToken, expiresIn: 900 });
    api.expireAccessTokens();
    await expect(client.me()).rejects.toBeInstanceOf(SessionExpiredError);
    expect(session.current).toBeNull();
  });

  it('sends an Idempotency-Key on every POST, and the same key returns the first answer', async () => {
    const { api, client } = await given();
    const first = await client.createPoc({ name: 'Edge cache' }, { idempotencyKey: 'same-key' });
    const again = await client.createPoc({ name: 'Edge cache' }, { idempotencyKey: 'same-key' });
    expect(again.id).toBe(first.id);
    expect(api.pocs()).toHaveLength(1);
    await client.createPoc({ name: 'Another' });
    const keys = api.state.requests.filter((r) => r.method === 'POST' && r.path === '/v1/pocs').map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual(['same-key', 'same-key', expect.any(String)]);
    expect(keys[2]).not.toBe('same-key');
  });

  it('passes the Consistency-Token of a write to the next list read, so the new POC is in it at once', async () => {
    const { api, client } = await given();
    const written = await client.createPoc({ name: 'Kubernetes operator' });
    expect(written.consistencyToken).toMatch(/^pos-/);
    const page = await client.listPocs();
    expect(page.items.map((p) => p.id)).toContain(written.id);
    const read = api.state.requests.findLast((r) => r.method === 'GET' && r.path === '/v1/pocs')!;
    expect(read.headers['consistency-token']).toBe(written.consistencyToken);
    // caught up: later reads no longer wait for it
    await client.listPocs();
    expect(api.state.requests.findLast((r) => r.path === '/v1/pocs')!.headers['consistency-token']).toBeUndefined();
    expect(client.pendingConsistencyToken).toBeNull();
  });

  it('without the token the lagging read side would not show the new POC (the test above can fail)', async () => {
    const { api } = await given();
    const raw = await api.seedAccount('other');
    await api.fetch('http://edge.test/v1/pocs', { method: 'POST', headers: { authorization: `Bearer ${raw.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Lagging' }) });
    const res = await api.fetch('http://edge.test/v1/pocs', { headers: { authorization: `Bearer ${raw.accessToken}` } });
    expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(0);
  });

  it('sends If-Match on PATCH and explains a moved version as a conflict', async () => {
    const { api, client } = await given();
    const { id } = await client.createPoc({ name: 'A' });
    const poc = await client.getPoc(id);
    expect(poc.version).toBe(1);
    api.editBehindTheBack(id, { name: 'B' });
    const error = (await client.updatePoc(id, poc.version, { name: 'C' }).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(412);
    expect(error.isConflict).toBe(true);
    const latest = await client.getPoc(id);
    await expect(client.updatePoc(id, latest.version, { name: 'C' })).resolves.toMatchObject({ version: 3 });
  });

  it('repeats list filters as repeated query parameters', async () => {
    const { api, client } = await given();
    await client.listPocs({ q: 'kub', language: ['go', 'rust'], tag: ['k8s'], status: 'done', cursor: '20' });
    const read = api.state.requests.findLast((r) => r.path === '/v1/pocs')!;
    expect(read.query.getAll('language')).toEqual(['go', 'rust']);
    expect(read.query.get('status')).toBe('done');
    expect(read.query.get('cursor')).toBe('20');
  });

  it('reports a dropped network as a NetworkError', async () => {
    const { api, client } = await given();
    api.state.offline = true;
    await expect(client.listPocs()).rejects.toBeInstanceOf(NetworkError);
  });

  it('gives the y-websocket address of a dojo with a fresh token', async () => {
    const { client, session } = await given();
    const sync = await client.dojoSync('d1', 'Olga');
    expect(sync).toEqual({ serverUrl: 'ws://edge.test/v1/dojos', room: 'd1/sync', params: { token: session.current!.accessToken, name: 'Olga' } });
  });
});
