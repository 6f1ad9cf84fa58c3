import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, type NewEvent, PostgresEventStore, tenantSchemaName } from '@poc/platform';
import { type TestDatabase, createTestDatabase } from '@poc/platform/testing';
import { rebuildProjection } from '../runtime/projector.ts';
import { migrateProjections } from '../runtime/store.ts';
import { analyticsProjection } from './projection.ts';
import { ANALYTICS_DOJOS, ANALYTICS_POCS, provisionAnalytics } from './tables.ts';

const created = (name: string, extra: Record<string, unknown> = {}): NewEvent => ({
  type: 'poc.created',
  schemaVersion: 2,
  data: { name, description: 'd', languages: ['go'], tags: ['a'], repoUrl: null, status: 'idea', startedAt: null, finishedAt: null, ...extra },
});

// Given POC and dojo events, then the analytics rows; a redelivery changes nothing, a gap is filled
// from the store, and a rebuild from position zero equals the live tables.
describe('analytics projection: given events, then rows', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  const projection = () => analyticsProjection({ db: t.db, store });
  const apply = (events: readonly EventEnvelope[]) => t.db.transaction().execute((trx) => projection().apply(trx, events, null));
  const given = async (tenantId: string, stream: string, events: NewEvent[], expected: number | 'no_stream' = 'no_stream') =>
    (await store.append(stream, expected, events, { tenantId, actor: 'user:u1', correlationId: 'c' })).events;
  const pocRows = async (tenantId: string, table = ANALYTICS_POCS) =>
    (await sql<{ id: string; version: number; deleted: boolean; created_by: string; status: string; languages: string[]; tags: string[] }>`
      select id, version, deleted_at is not null as deleted, created_by, status, languages, tags from ${sql.id(tenantSchemaName(tenantId), table)} order by id`.execute(t.db)).rows;
  const dojoRows = async (tenantId: string, table = ANALYTICS_DOJOS) =>
    (await sql<{ id: string; version: number; started_at: Date | null; ended_at: Date | null; participants: string[] }>`
      select id, version, started_at, ended_at, participants from ${sql.id(tenantSchemaName(tenantId), table)} order by id`.execute(t.db)).rows;

  beforeAll(async () => {
    t = await createTestDatabase('poc_analytics');
    await PostgresEventStore.migrate(t.db);
    await migrateProjections(t.db);
    store = new PostgresEventStore(t.db, { url: t.url });
  });
  afterAll(async () => {
    await store.close();
    await t.drop();
  });

  it('folds POC events with evolvePoc into one row per POC, with the columns reports group by; a delete leaves a tombstone', async () => {
    const tenant = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    await apply([
      ...(await given(tenant, `poc-${a}`, [
        created('A'),
        { type: 'poc.updated', schemaVersion: 1, data: { languages: ['rust', 'zig'] } },
        { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['b'] } },
        { type: 'poc.status_changed', schemaVersion: 1, data: { from: 'idea', to: 'done' } },
      ])),
      ...(await given(tenant, `poc-${b}`, [created('B'), { type: 'poc.deleted', schemaVersion: 1, data: {} }])),
    ]);
    expect(await pocRows(tenant)).toEqual(
      [
        { id: a, version: 4, deleted: false, created_by: 'u1', status: 'done', languages: ['rust', 'zig'], tags: ['a', 'b'] },
        { id: b, version: 2, deleted: true, created_by: 'u1', status: 'idea', languages: ['go'], tags: ['a'] },
      ].sort((x, y) => (x.id < y.id ? -1 : 1)),
    );
  });

  it('folds dojo events into start, end and participants (each once)', async () => {
    const tenant = randomUUID();
    const dojo = randomUUID();
    const at = '2025-03-01T10:00:00.000Z';
    await apply(
      await given(tenant, `dojo-${dojo}`, [
        { type: 'dojo.scheduled', schemaVersion: 1, data: { title: 'K', kata: null, language: 'go', starterCode: '', scheduledAt: null, rotationMinutes: 7, createdBy: 'u1', createdAt: at } },
        { type: 'dojo.started', schemaVersion: 1, data: { startedAt: at, startedBy: 'u1' } },
        { type: 'dojo.participant_joined', schemaVersion: 1, data: { userId: 'u1', displayName: 'U1', kind: 'editor', joinedAt: at } },
        { type: 'dojo.participant_joined', schemaVersion: 1, data: { userId: 'u2', displayName: 'U2', kind: 'observer', joinedAt: at } },
        { type: 'dojo.participant_joined', schemaVersion: 1, data: { userId: 'u1', displayName: 'U1', kind: 'editor', joinedAt: at } },
        { type: 'dojo.pilot_rotated', schemaVersion: 1, data: { from: 'u1', to: 'u2', rotationEndsAt: null, reason: 'schedule', rotatedAt: at } },
        { type: 'dojo.ended', schemaVersion: 1, data: { endedAt: '2025-03-01T10:45:00.000Z', endedBy: 'u1' } },
      ]),
    );
    expect(await dojoRows(tenant)).toEqual([
      { id: dojo, version: 7, started_at: new Date(at), ended_at: new Date('2025-03-01T10:45:00.000Z'), participants: ['u1', 'u2'] },
    ]);
  });

  it('a duplicate delivery changes nothing; a gap is filled from the store', async () => {
    const tenant = randomUUID();
    const id = randomUUID();
    const first = await given(tenant, `poc-${id}`, [created('Gap'), { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['x'] } }]);
    await apply(first);
    await apply(first);
    expect((await pocRows(tenant))[0]).toMatchObject({ version: 2, tags: ['a', 'x'] });
    const later = await given(tenant, `poc-${id}`, [
      { type: 'poc.tagged', schemaVersion: 1, data: { tags: ['y'] } },
      { type: 'poc.status_changed', schemaVersion: 1, data: { from: 'idea', to: 'done' } },
    ], 2);
    // Version 3 never delivered: applying version 4 pulls it from the store first.
    await apply([later[1]!]);
    expect((await pocRows(tenant))[0]).toMatchObject({ version: 4, tags: ['a', 'x', 'y'], status: 'done' });
  });

  it('a rebuild from position zero equals the live tables, and is swapped in', async () => {
    const tenant = randomUUID();
    const events: EventEnvelope[] = [];
    for (let i = 0; i < 5; i++) {
      events.push(...(await given(tenant, `poc-${randomUUID()}`, [created(`P${i}`, { tags: [`t${i}`] }), { type: 'poc.status_changed', schemaVersion: 1, data: { from: 'idea', to: 'done' } }])));
    }
    events.push(...(await given(tenant, `dojo-${randomUUID()}`, [{ type: 'dojo.started', schemaVersion: 1, data: { startedAt: '2025-01-01T00:00:00.000Z', startedBy: 'u1' } }])));
    await apply(events);
    const live = { pocs: await pocRows(tenant), dojos: await dojoRows(tenant) };
    // Lose a row of the live tables: only the rebuild from the history can bring it back.
    await sql`delete from ${sql.id(tenantSchemaName(tenant), ANALYTICS_POCS)} where id = ${live.pocs[0]!.id}`.execute(t.db);
    const result = await rebuildProjection({ db: t.db, store, projection: projection(), scope: { tenantId: tenant }, batchSize: 3 });
    expect(result.events).toBe(11);
    expect({ pocs: await pocRows(tenant), dojos: await dojoRows(tenant) }).toEqual(live);
    // The index came along under its live name: provisioning again does not add another.
    await provisionAnalytics(t.db, tenant);
    const indexes = await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = ${tenantSchemaName(tenant)} and tablename = ${ANALYTICS_POCS} order by 1`.execute(t.db);
    expect(indexes.rows.map((r) => r.name)).toEqual([`${ANALYTICS_POCS}_created`, expect.stringMatching(/_pkey$/)]);
  });
});
