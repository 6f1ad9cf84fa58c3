import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, type NewEvent, PostgresEventStore, PostgresSearch, type StoredEvent, TenantDatabases, pooledPlacement, tenantSchemaName } from '@poc/platform';
import { type TestDatabase, createTestDatabase } from '@poc/platform/testing';
import { rebuildProjection } from '../runtime/projector.ts';
import { migrateProjections, registeredTenants } from '../runtime/store.ts';
import { pocProjection } from './projection.ts';
import { pocReadModelChecksum, pocReadModelStep, readPocRow } from './read-model.ts';
import { createProjectionsTestDatabase } from '../testing/database.ts';

const created = (name: string, extra: Record<string, unknown> = {}): NewEvent => ({
  type: 'poc.created',
  schemaVersion: 2,
  data: { name, description: '', languages: [], tags: [], repoUrl: null, status: 'idea', startedAt: null, finishedAt: null, ...extra },
});

describe('POC projection: given events, then rows and search hits', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  let search: PostgresSearch;
  const apply = async (events: readonly EventEnvelope[]) => {
    const projection = pocProjection({ db: t.db, search, store });
    await t.db.transaction().execute((trx) => projection.apply(trx, events, null));
  };
  const given = async (tenantId: string, id: string, events: NewEvent[], expected: number | 'no_stream' = 'no_stream') =>
    (await store.append(`poc-${id}`, expected, events, { tenantId, actor: 'user:u1', correlationId: 'c' })).events;

  beforeAll(async () => {
    t = await createProjectionsTestDatabase('poc_projection');
    store = new PostgresEventStore(t.db, { url: t.url });
    search = new PostgresSearch(t.db);
  });
  afterAll(async () => {
    await store.close();
    await t.drop();
  });

  it('folds every POC event into the row the API serves, and indexes it', async () => {
    const tenant = randomUUID();
    const id = randomUUID();
    const events = await given(tenant, id, [
      created('Kafka bridge', { languages: ['go'], tags: ['kafka'], description: 'Moves events.' }),
      { type: 'poc.updated', schemaVersion: 1, data: { name: 'Kafka to OpenSearch bridge', languages: ['go', 'rust'] } },
      { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['search', 'streaming'] } },
      { type: 'poc.untagged', schemaVersion: 1, data: { tags: ['kafka'] } },
      { type: 'poc.status_changed', schemaVersion: 1, data: { from: 'idea', to: 'in_progress' } },
    ]);
    await apply(events);
    const row = await readPocRow(t.db, tenant, id);
    expect(row).toMatchObject({
      version: 5,
      deletedAt: null,
      poc: { id, name: 'Kafka to OpenSearch bridge', languages: ['go', 'rust'], tags: ['search', 'streaming'], status: 'in_progress', createdBy: 'u1', version: 5 },
    });
    const page = await search.search(tenant, { q: 'opensearch', limit: 10 });
    expect(page.hits.map((h) => h.document)).toEqual([row!.poc]);
  });

  it('upcasts old event versions (poc.created v1 with one language)', async () => {
    const tenant = randomUUID();
    const id = randomUUID();
    const data = { name: 'Legacy', description: '', language: ' Java ', tags: [], repoUrl: null, status: 'done', startedAt: null, finishedAt: null };
    await apply(await given(tenant, id, [{ type: 'poc.created', schemaVersion: 1, data }]));
    expect((await readPocRow(t.db, tenant, id))?.poc.languages).toEqual(['java']);
  });

  it('a deleted POC keeps a tombstone at its version and leaves the index', async () => {
    const tenant = randomUUID();
    const id = randomUUID();
    await apply(await given(tenant, id, [created('Short lived'), { type: 'poc.deleted', schemaVersion: 1, data: {} }]));
    expect(await readPocRow(t.db, tenant, id)).toMatchObject({ version: 2, deletedAt: expect.any(String) });
    expect((await search.search(tenant, { q: 'short', limit: 10 })).total).toBe(0);
  });

  it('a duplicate delivery changes nothing; a gap is filled from the store', async () => {
    const tenant = randomUUID();
    const id = randomUUID();
    const first = await given(tenant, id, [created('Gap test')]);
    const rest = await given(tenant, id, [
      { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['a'] } },
      { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['b'] } },
    ], 1);
    await apply(first);
    // Version 3 arrives without version 2: the projection reads version 2 from the store first.
    await apply([rest[1]!]);
    expect((await readPocRow(t.db, tenant, id))?.poc.tags).toEqual(['a', 'b']);
    await apply([...first, ...rest]);
    expect((await readPocRow(t.db, tenant, id))).toMatchObject({ version: 3, poc: { tags: ['a', 'b'] } });
  });

  it("each tenant's POCs live in its own schema: another tenant's id is not found", async () => {
    const a = randomUUID();
    const b = randomUUID();
    const id = randomUUID();
    await apply(await given(a, id, [created('Tenant A only')]));
    await apply(await given(b, randomUUID(), [created('Tenant B')]));
    expect(await readPocRow(t.db, b, id)).toBeNull();
    expect(await readPocRow(t.db, a, id)).not.toBeNull();
    const schemas = await sql<{ n: string }>`select nspname as n from pg_namespace where nspname in (${`tenant_${a.replace(/-/g, '')}`}, ${`tenant_${b.replace(/-/g, '')}`})`.execute(t.db);
    expect(schemas.rows).toHaveLength(2);
  });

  it('a rebuild from zero equals the live read model, and the swap keeps it searchable', async () => {
    const tenant = randomUUID();
    const all: StoredEvent[] = [];
    for (let i = 0; i < 30; i++) {
      const id = randomUUID();
      all.push(...(await given(tenant, id, [created(`Rebuild ${i}`, { tags: [`t${i % 3}`] }), { type: 'poc.status_changed', schemaVersion: 1, data: { from: 'idea', to: 'done' } }])));
      if (i % 7 === 0) all.push(...(await given(tenant, id, [{ type: 'poc.deleted', schemaVersion: 1, data: {} }], 2)));
    }
    await apply(all);
    const live = await pocReadModelChecksum(t.db, tenant);
    const projection = pocProjection({ db: t.db, search, store });
    const kept = await rebuildProjection({ db: t.db, store, projection, scope: { tenantId: tenant }, swap: false });
    const { table } = [...kept.target.tenants.values()][0]!;
    expect(await pocReadModelChecksum(t.db, tenant, table)).toEqual(live);
    await projection.dropTarget(t.db, kept.target);
    await rebuildProjection({ db: t.db, store, projection, scope: { tenantId: tenant } });
    expect(await pocReadModelChecksum(t.db, tenant)).toEqual(live);
    expect(live.rows).toBe(30);
    const page = await search.search(tenant, { q: 'rebuild', status: 'done', limit: 100 });
    expect(page.total).toBe(30 - 5);
    expect(page.facets.tags.map((f) => f.value).sort()).toEqual(['t0', 't1', 't2']);
  });
});

describe('rebuild without downtime', () => {
  it('readers keep finding every POC, in the read model and the index, while a rebuild swaps in', async () => {
    const t = await createTestDatabase('poc_rebuild_reads');
    await PostgresEventStore.migrate(t.db);
    await migrateProjections(t.db);
    await PostgresSearch.migrate(t.db);
    const store = new PostgresEventStore(t.db, { url: t.url });
    const search = new PostgresSearch(t.db);
    try {
      const tenant = randomUUID();
      const ids: string[] = [];
      const events: EventEnvelope[] = [];
      for (let i = 0; i < 200; i++) {
        const id = randomUUID();
        ids.push(id);
        events.push(...(await store.append(`poc-${id}`, 'no_stream', [created(`Always visible ${i}`)], { tenantId: tenant, actor: 'user:u', correlationId: 'c' })).events);
      }
      const projection = pocProjection({ db: t.db, search, store });
      await t.db.transaction().execute((trx) => projection.apply(trx, events, null));
      let reading = true;
      const failures: string[] = [];
      let reads = 0;
      const reader = (async () => {
        while (reading) {
          try {
            const id = ids[reads % ids.length]!;
            if (!(await readPocRow(t.db, tenant, id))) failures.push(`row ${id} missing`);
            const total = (await search.search(tenant, { q: 'visible', limit: 1 })).total;
            if (total !== 200) failures.push(`search found ${total}`);
          } catch (error) {
            failures.push(String(error));
          }
          reads += 1;
        }
      })();
      for (let round = 0; round < 3; round++) await rebuildProjection({ db: t.db, store, projection, scope: { tenantId: tenant } });
      reading = false;
      await reader;
      expect(reads).toBeGreaterThan(10);
      expect(failures).toEqual([]);
    } finally {
      await store.close();
      await t.drop();
    }
  });
});

describe('onboarding: the provisioning step', () => {
  it('creates the tenant read model (twice is harmless) and registers the tenant for rebuilds', async () => {
    const t = await createTestDatabase('poc_provision');
    try {
      const tenantId = randomUUID();
      const step = pocReadModelStep(new TenantDatabases(t.db));
      await step.provision(pooledPlacement(tenantId));
      await step.provision(pooledPlacement(tenantId));
      expect(await readPocRow(t.db, tenantId, randomUUID())).toBeNull();
      const table = await sql<{ t: string | null }>`select to_regclass(${`${tenantSchemaName(tenantId)}.pocs`})::text as t`.execute(t.db);
      expect(table.rows[0]!.t).not.toBeNull();
      expect(await registeredTenants(t.db)).toEqual([tenantId]);
    } finally {
      await t.drop();
    }
  });
});
