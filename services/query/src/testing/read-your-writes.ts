import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchPort } from '@poc/platform';
import type { TestDatabase } from '@poc/platform/testing';
import { type ReadSideHarness, startReadSide } from './harness.ts';

/**
 * Read-your-writes through the real services, for one search adapter: a POC
 * created through `POST /v1/pocs` is found by the very next search that
 * carries the write's Consistency-Token, every time.
 */
export function testReadYourWrites(name: string, search?: (db: TestDatabase<unknown>) => Promise<SearchPort>, rounds = 30): void {
  describe(`read-your-writes with the Consistency-Token: ${name}`, () => {
    let h: ReadSideHarness;
    beforeAll(async () => {
      h = await startReadSide(search ? { search } : {});
    });
    afterAll(async () => {
      await h?.close();
    });

    it(`creates a POC and finds it at once with the token, ${rounds} times out of ${rounds}`, async () => {
      const user = await h.user();
      const misses: string[] = [];
      for (let i = 0; i < rounds; i++) {
        const name = `Consistency probe ${i} zyx${i}qw`;
        const created = await h.pocs.inject({ method: 'POST', url: '/v1/pocs', headers: user.auth, payload: { name, tags: ['probe'] } });
        expect(created.statusCode).toBe(201);
        const token = created.headers['consistency-token'] as string;
        const found = await h.query.inject({ method: 'GET', url: `/v1/pocs?q=zyx${i}qw`, headers: { ...user.auth, 'consistency-token': token } });
        expect(found.statusCode).toBe(200);
        const body = found.json<{ items: { id: string; name: string }[] }>();
        if (body.items[0]?.id !== created.json<{ id: string }>().id || found.headers['consistency-token-timeout']) misses.push(name);
      }
      expect(misses).toEqual([]);
    });

    it('an update and a delete are visible to the next read that carries their tokens', async () => {
      const user = await h.user();
      const created = await h.pocs.inject({ method: 'POST', url: '/v1/pocs', headers: user.auth, payload: { name: 'Before rename' } });
      const { id, version } = created.json<{ id: string; version: number }>();
      const patched = await h.pocs.inject({ method: 'PATCH', url: `/v1/pocs/${id}`, headers: { ...user.auth, 'if-match': String(version) }, payload: { name: 'After rename' } });
      expect(patched.statusCode).toBe(200);
      const one = await h.query.inject({ method: 'GET', url: `/v1/pocs/${id}`, headers: { ...user.auth, 'consistency-token': patched.headers['consistency-token'] as string } });
      expect(one.json()).toMatchObject({ id, name: 'After rename' });
      expect(one.headers.etag).toBe(`"${patched.json<{ version: number }>().version}"`);
      const deleted = await h.pocs.inject({ method: 'DELETE', url: `/v1/pocs/${id}`, headers: user.auth });
      expect(deleted.statusCode).toBe(204);
      const token = deleted.headers['consistency-token'] as string;
      expect((await h.query.inject({ method: 'GET', url: `/v1/pocs/${id}`, headers: { ...user.auth, 'consistency-token': token } })).statusCode).toBe(404);
      const list = await h.query.inject({ method: 'GET', url: '/v1/pocs?q=rename', headers: { ...user.auth, 'consistency-token': token } });
      expect(list.json<{ total: number }>().total).toBe(0);
    });
  });
}
