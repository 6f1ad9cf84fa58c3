import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NewEvent, PostgresEventStore, PostgresSearch } from '@poc/platform';
import type { TestDatabase } from '@poc/platform/testing';
import { postgresLogLag, rebuildProjection } from '../runtime/projector.ts';
import { pocProjection } from './projection.ts';
import { pocReadModelChecksum } from './read-model.ts';
import { createProjectionsTestDatabase } from '../testing/database.ts';

const server = resolve(import.meta.dirname, '..', 'server.ts');

const created = (i: number): NewEvent => ({
  type: 'poc.created',
  schemaVersion: 2,
  data: { name: `Crash drill ${i}`, description: `POC number ${i}`, languages: [['go'], ['rust'], ['python']][i % 3]!, tags: [`t${i % 5}`], repoUrl: null, status: 'idea', startedAt: null, finishedAt: null },
});

describe('projector killed with SIGKILL in the middle of a batch', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  let search: PostgresSearch;
  let child: ChildProcess | undefined;
  const tenants = [randomUUID(), randomUUID(), randomUUID()];

  const start = () => {
    child = spawn(process.execPath, ['--import', 'tsx', server], {
      env: { ...process.env, DATABASE_URL: t.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'fatal', PROJECTOR_MAX_BATCH: '40', DATABASE_POOL_MAX: '4' },
      stdio: 'ignore',
    });
    return child;
  };
  /** Is the projector inside a batch right now (its transaction holds the projection lock)? */
  const inBatch = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from pg_locks
      where locktype = 'advisory' and granted and objid = (hashtext('projection:pocs')::bigint & 4294967295)::text::oid`.execute(t.db)).rows[0]!.n > 0;

  beforeAll(async () => {
    t = await createProjectionsTestDatabase('poc_crash');
    store = new PostgresEventStore(t.db, { url: t.url });
    search = new PostgresSearch(t.db);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await store.close();
    await t.drop();
  });

  it('after a restart the read model equals a fresh rebuild: no duplicates, no gaps', async () => {
    let writing = true;
    let appended = 0;
    const writer = (async () => {
      for (let i = 0; writing || i < 600; i++) {
        const tenantId = tenants[i % tenants.length]!;
        const id = randomUUID();
        const ctx = { tenantId, actor: `user:${randomUUID()}`, correlationId: 'drill' };
        await store.append(`poc-${id}`, 'no_stream', [created(i)], ctx);
        await store.append(`poc-${id}`, 1, [
          { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['drill'] } },
          { type: 'poc.status_changed', schemaVersion: 1, data: { from: 'idea', to: i % 2 ? 'done' : 'in_progress' } },
        ], ctx);
        if (i % 10 === 0) await store.append(`poc-${id}`, 3, [{ type: 'poc.deleted', schemaVersion: 1, data: {} }], ctx);
        appended += 1;
      }
    })();

    let midBatch = 0;
    for (let kill = 0; kill < 6; kill++) {
      const proc = start();
      // Let it work a little, then kill it the moment it is seen inside a batch.
      await new Promise((r) => setTimeout(r, 1_200 + kill * 200));
      const deadline = Date.now() + 30_000; // a loaded machine starts a tsx process slowly
      let seen = false;
      while (!(seen = await inBatch()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      proc.kill('SIGKILL');
      if (seen) midBatch += 1;
      await new Promise((r) => proc.once('exit', r));
    }
    writing = false;
    await writer;
    expect(appended).toBeGreaterThanOrEqual(600);
    expect(midBatch).toBeGreaterThan(0);

    // Restart and let it catch up.
    const proc = start();
    const lag = postgresLogLag(t.db, pocProjection({ db: t.db, search, store }));
    const deadline = Date.now() + 120_000;
    while ((await lag()).events > 0) {
      if (Date.now() > deadline) throw new Error('the restarted projector did not catch up');
      await new Promise((r) => setTimeout(r, 200));
    }
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));

    const projection = pocProjection({ db: t.db, search, store });
    const rebuilt = await rebuildProjection({ db: t.db, store, projection, swap: false });
    for (const tenantId of tenants) {
      const live = await pocReadModelChecksum(t.db, tenantId);
      const fresh = await pocReadModelChecksum(t.db, tenantId, rebuilt.target.tenants.get(tenantId)!.table);
      expect(live, `tenant ${tenantId}`).toEqual(fresh);
      // No gaps: every stream's row is at the stream's last version. No duplicates: one row per stream.
      const schema = `tenant_${tenantId.replace(/-/g, '')}`;
      const mismatched = await sql<{ n: number }>`
        select count(*)::int as n from (
          select substr(stream_id, 5)::uuid as id, max(version) as version from eventstore.events where tenant_id = ${tenantId} group by stream_id
        ) s full join ${sql.id(schema, 'pocs')} p on p.id = s.id
        where p.id is null or s.id is null or p.version <> s.version`.execute(t.db);
      expect(mismatched.rows[0]!.n).toBe(0);
      // The search index holds exactly the POCs that are not deleted.
      const active = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(schema, 'pocs')} where deleted_at is null`.execute(t.db);
      expect((await search.search(tenantId, { q: 'drill', limit: 1 })).total).toBe(active.rows[0]!.n);
    }
    await projection.dropTarget(t.db, rebuilt.target);
  }, 240_000);
});
