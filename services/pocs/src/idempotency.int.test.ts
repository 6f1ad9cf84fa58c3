import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PocsHarness, type TestUser, startPocs } from './testing/harness.ts';

let h: PocsHarness;
beforeAll(async () => {
  h = await startPocs();
});
afterAll(async () => h?.close());

const post = (user: TestUser, key: string, payload: object) =>
  h.app.inject({ method: 'POST', url: '/v1/pocs', headers: { ...user.auth, 'idempotency-key': key }, payload });
const creations = async (tenantId: string) => (await h.eventsOf(tenantId)).filter((e) => e.type === 'poc.created');

describe('Idempotency-Key on POST /v1/pocs', () => {
  it('given a create, when it is retried with the same key, then the first answer comes back (marked replayed) and one POC exists', async () => {
    const alice = await h.user();
    const first = await post(alice, 'key-1', { name: 'Once', tags: ['a'] });
    const again = await post(alice, 'key-1', { tags: ['a'], name: 'Once' });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['consistency-token']).toBe(first.headers['consistency-token']);
    expect(again.headers.location).toBe(first.headers.location);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await creations(alice.tenantId)).toHaveLength(1);
  });

  it('a replay is the first answer even after the POC moved on', async () => {
    const alice = await h.user();
    const first = await post(alice, 'then-patched', { name: 'First' });
    const { id } = first.json();
    await h.app.inject({ method: 'PATCH', url: `/v1/pocs/${id}`, headers: { ...alice.auth, 'if-match': '1' }, payload: { name: 'Renamed' } });
    const again = await post(alice, 'then-patched', { name: 'First' });
    expect(again.json()).toEqual({ id, version: 1 });
    expect(again.headers['consistency-token']).toBe(first.headers['consistency-token']);
    expect(await creations(alice.tenantId)).toHaveLength(1);
  });

  it('given eight copies of one create in flight at once, then all get the same answer and one POC exists', async () => {
    const alice = await h.user();
    const results = await Promise.all(Array.from({ length: 8 }, () => post(alice, 'burst', { name: 'Burst' })));
    expect(new Set(results.map((r) => r.statusCode))).toEqual(new Set([201]));
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    expect(await creations(alice.tenantId)).toHaveLength(1);
  });

  it('given a key already used, when it comes with another body or from another user of the tenant, then 422 and nothing appended', async () => {
    const alice = await h.user();
    const bob = await h.user(['member'], alice.tenantId);
    await post(alice, 'reused', { name: 'Original' });
    for (const res of [await post(alice, 'reused', { name: 'Something else' }), await post(bob, 'reused', { name: 'Original' })]) {
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.json().code).toBe('POC_ERR_IDEMPOTENCY_KEY_REUSED');
    }
    expect(await h.eventsOf(alice.tenantId)).toHaveLength(1);
  });

  it('keys are per tenant: the same key in another tenant is another request', async () => {
    const alice = await h.user();
    const other = await h.user();
    const a = await post(alice, 'shared-key', { name: 'A' });
    const b = await post(other, 'shared-key', { name: 'A' });
    expect(b.statusCode).toBe(201);
    expect(b.json().id).not.toBe(a.json().id);
    expect(await creations(other.tenantId)).toHaveLength(1);
  });

  it('a refused request does not burn its key: after a 400, the corrected request with the same key creates', async () => {
    const alice = await h.user();
    expect((await post(alice, 'fix-me', { name: '  ' })).statusCode).toBe(400);
    expect((await post(alice, 'fix-me', { name: 'Fixed' })).statusCode).toBe(201);
    expect(await creations(alice.tenantId)).toHaveLength(1);
  });
});
