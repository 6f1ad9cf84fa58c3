import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '@poc/platform';
import { createTestDatabase, createTestIssuer, describeWithEngines, type TestDatabase, type TestIssuer } from '@poc/platform/testing';
import { client, waitFor } from './testing/harness.ts';
import { type DojoProcess, serveJwks, spawnDojo } from './testing/processes.ts';

// Real engines: two (then restarted) dojo server processes, PostgreSQL and Redis (from the engines' global setup).
describeWithEngines(['redis'], 'dojo scale-out and restarts (real processes, Redis, PostgreSQL)', (engines) => {
  let t: TestDatabase<unknown>;
  let issuer: TestIssuer;
  let jwks: { url: string; close(): Promise<void> };
  let one: DojoProcess;
  let two: DojoProcess;
  const tenant = randomUUID();
  const ana = randomUUID();
  const bo = randomUUID();
  let tokenAna: string;
  let tokenBo: string;

  beforeAll(async () => {
    t = await createTestDatabase('dojo_scale');
    issuer = await createTestIssuer();
    jwks = await serveJwks(issuer);
    const env = { DATABASE_URL: t.url, JWKS_URL: jwks.url, REDIS_URL: engines.redis.url, DOJO_ROOM_IDLE_MS: '100', DOJO_COMPACT_EVERY_MS: '500', DOJO_ANTI_ENTROPY_MS: '1000' };
    [one, two] = await Promise.all([spawnDojo(env), spawnDojo(env)]);
    tokenAna = await issuer.token({ tenantId: tenant, userId: ana });
    tokenBo = await issuer.token({ tenantId: tenant, userId: bo });
  }, 200_000);

  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    await jwks?.close();
    await t?.drop();
  });

  async function createDojo(base: string): Promise<string> {
    const res = await fetch(`${base}/v1/dojos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenAna}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Scale', language: 'go', starterCode: 'package main\n' }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }
  const storedCode = async (base: string, id: string) =>
    ((await (await fetch(`${base}/v1/dojos/${id}/code`, { headers: { authorization: `Bearer ${tokenAna}` } })).json()) as { code: string }).code;

  describe('two processes sharing a room', () => {
    it('given clients on two processes sharing Redis, when both edit at once and one reconnects midway, then both converge and both processes serve the stored text', async () => {
      const id = await createDojo(one.url);
      const a = client(one.url, id, tokenAna, 'Ana');
      const b = client(two.url, id, tokenBo, 'Bo');
      await waitFor(() => a.provider.synced && b.provider.synced, 'synced');
      for (let i = 0; i < 30; i++) {
        a.text.insert(a.text.length, `a${i};`);
        b.text.insert(0, `b${i};`);
        if (i === 10) a.provider.disconnect();
        if (i === 18) a.provider.connect();
        await new Promise((r) => setTimeout(r, 15));
      }
      await waitFor(() => a.text.toString() === b.text.toString() && a.text.toString().includes('b29;') && b.text.toString().includes('a29;'), 'convergence across processes');
      const final = a.text.toString();
      await waitFor(async () => (await storedCode(one.url, id)) === final && (await storedCode(two.url, id)) === final, 'stored text');
      // While both processes serve the room, one of them writes its snapshots.
      const events = new PostgresEventStore(t.db, { url: t.url });
      const from = (await events.readStream(tenant, `dojo-${id}`)).length + 1;
      for (let i = 0; i < 40; i++) {
        (i % 2 ? a : b).text.insert(0, `s${i};`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await waitFor(async () => (await events.readStream(tenant, `dojo-${id}`, { fromVersion: from })).filter((e) => e.type === 'dojo.snapshot_saved').length >= 2, 'snapshots');
      const compactors = new Set((await events.readStream(tenant, `dojo-${id}`, { fromVersion: from })).filter((e) => e.type === 'dojo.snapshot_saved').map((e) => e.actor));
      expect(compactors.size).toBe(1);
      await events.close();
      // Awareness crosses processes too.
      a.provider.awareness.setLocalStateField('user', { name: 'Ana' });
      await waitFor(() => [...b.provider.awareness.getStates().values()].some((s) => (s as { user?: { name?: string } }).user?.name === 'Ana'), 'awareness across processes');
      a.provider.destroy();
      b.provider.destroy();
    });

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      it(`given clients editing, when a dojo process is restarted (${signal}), then they reconnect by themselves, converge, and the stored document equals what they hold`, async () => {
        const id = await createDojo(two.url);
        const a = client(one.url, id, tokenAna);
        const b = client(one.url, id, tokenBo);
        const c = client(two.url, id, tokenBo);
        await waitFor(() => a.provider.synced && b.provider.synced && c.provider.synced, 'synced');
        let typing = true;
        let n = 0;
        const typist = (async () => {
          while (typing) {
            a.text.insert(a.text.length, `a${n};`);
            b.text.insert(0, `b${n};`);
            c.text.insert(Math.floor(c.text.length / 2), `c${n};`);
            n++;
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
        await new Promise((r) => setTimeout(r, 300));
        await one.stop(signal);
        await new Promise((r) => setTimeout(r, 300));
        await one.restart();
        await waitFor(() => a.provider.wsconnected && b.provider.wsconnected, 'clients reconnected by themselves', 20_000);
        await new Promise((r) => setTimeout(r, 300));
        typing = false;
        await typist;
        await waitFor(() => a.text.toString() === b.text.toString() && b.text.toString() === c.text.toString(), 'convergence after restart', 20_000);
        const final = a.text.toString();
        for (let i = 0; i < n; i++) expect(final).toContain(`a${i};`);
        await waitFor(async () => (await storedCode(one.url, id)) === final, 'stored text equals the clients', 20_000);
        expect(await storedCode(two.url, id)).toBe(final);
        for (const x of [a, b, c]) x.provider.destroy();
      }, 150_000);
    }
  });
});
