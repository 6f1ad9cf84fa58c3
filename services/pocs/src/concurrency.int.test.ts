import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PocsHarness, type TestUser, startPocs } from './testing/harness.ts';

let h: PocsHarness;
beforeAll(async () => {
  h = await startPocs();
});
afterAll(async () => h?.close());

const create = async (user: TestUser) => (await h.app.inject({ method: 'POST', url: '/v1/pocs', headers: user.auth, payload: { name: 'contended' } })).json().id as string;
const rename = (user: TestUser, id: string, name: string, ifMatch: string) =>
  h.app.inject({ method: 'PATCH', url: `/v1/pocs/${id}`, headers: { ...user.auth, 'if-match': ifMatch }, payload: { name } });

describe('two concurrent PATCHes with the same If-Match', () => {
  it('given both read version 1 before either appends, then exactly one wins (200) and the other gets 412; one change is stored', async () => {
    const alice = await h.user(['owner']);
    const id = await create(alice);
    // Hold appends at the insert (reads still go through), so both PATCHes load version 1
    // and decide before either writes: the race is decided by the store, not by timing.
    const blocker = new pg.Client({ connectionString: h.database.url });
    await blocker.connect();
    await blocker.query('begin; lock table eventstore.events in share row exclusive mode');
    const racing = [rename(alice, id, 'first', '1'), rename(alice, id, 'second', '1')];
    for (let waited = 0; ; waited += 20) {
      const waiting = await blocker.query(`select count(*)::int as n from pg_locks where not granted and relation = 'eventstore.events'::regclass`);
      if (waiting.rows[0].n === 2) break;
      if (waited > 10_000) throw new Error('the two PATCHes never reached the append');
      await new Promise((r) => setTimeout(r, 20));
    }
    await blocker.query('commit');
    await blocker.end();
    const results = await Promise.all(racing);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 412]);
    const loser = results.find((r) => r.statusCode === 412)!;
    expect(loser.headers['content-type']).toMatch(/problem\+json/);
    expect(loser.json().code).toBe('POC_ERR_VERSION_MISMATCH');
    expect(results.find((r) => r.statusCode === 200)!.json()).toEqual({ id, version: 2 });
    const winnerName = results[0]!.statusCode === 200 ? 'first' : 'second';
    const events = await h.store.readStream(alice.tenantId, `poc-${id}`);
    expect(events.map((e) => e.data)).toEqual([expect.anything(), { name: winnerName }]);
  });

  it('given many rounds of unsynchronised pairs, then every round has exactly one winner', async () => {
    const alice = await h.user(['owner']);
    const id = await create(alice);
    for (let version = 1; version <= 10; version++) {
      const results = await Promise.all([rename(alice, id, `a${version}`, String(version)), rename(alice, id, `b${version}`, String(version))]);
      expect(results.map((r) => r.statusCode).sort(), `round ${version}`).toEqual([200, 412]);
    }
    expect(await h.store.readStream(alice.tenantId, `poc-${id}`)).toHaveLength(11);
  });
});
