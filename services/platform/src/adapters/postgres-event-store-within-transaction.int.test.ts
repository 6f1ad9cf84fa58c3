import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { type PostgresAppendOptions, PostgresEventStore, asSystem } from './postgres-event-store.ts';

// The append hook pocs uses to store idempotency records in the append's transaction.
describe('PostgresEventStore.append withinTransaction', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  const ev = { type: 'poc.created', schemaVersion: 1, data: {} };
  const ctx = (tenantId: string) => ({ tenantId, actor: 'user:x', correlationId: 'c' });

  beforeAll(async () => {
    t = await createTestDatabase('poc_es_hook');
    await PostgresEventStore.migrate(t.db);
    await sql`create table side (tenant_id uuid not null, version integer not null); grant select, insert on side to poc_app`.execute(t.db);
    store = new PostgresEventStore(t.db, { url: t.url });
  });
  afterAll(async () => {
    await store.close();
    await t.drop();
  });

  const sideRows = async () => asSystem(t.db, async (trx) => (await sql<{ version: number }>`select version from side`.execute(trx)).rows);

  it('given a hook, when the append commits, then the hook wrote in the same tenant-scoped transaction and saw the new version', async () => {
    const tenant = randomUUID();
    const stream = `poc-${randomUUID()}`;
    await store.append(stream, 'no_stream', [ev, ev], ctx(tenant), {
      withinTransaction: async (trx, appended) => {
        const scope = await sql<{ tenant: string }>`select current_setting('app.tenant_id') as tenant`.execute(trx);
        expect(scope.rows[0]?.tenant).toBe(tenant);
        await sql`insert into side (tenant_id, version) values (${tenant}, ${appended.version})`.execute(trx);
      },
    });
    expect((await sideRows()).map((r) => r.version)).toContain(2);
  });

  it('when the hook throws, then nothing is appended and the error reaches the caller as thrown', async () => {
    const tenant = randomUUID();
    const stream = `poc-${randomUUID()}`;
    const before = (await sideRows()).length;
    class Refused extends Error {}
    await expect(
      store.append(stream, 'no_stream', [ev], ctx(tenant), {
        withinTransaction: async (trx) => {
          await sql`insert into side (tenant_id, version) values (${tenant}, 99)`.execute(trx);
          throw new Refused('no');
        },
      }),
    ).rejects.toBeInstanceOf(Refused);
    expect(await store.readStream(tenant, stream)).toEqual([]);
    expect(await sideRows()).toHaveLength(before);
  });

  it("a unique violation of the hook's own table is not mistaken for a stream conflict", async () => {
    await sql`create table side_unique (k text primary key); grant select, insert on side_unique to poc_app`.execute(t.db);
    const tenant = randomUUID();
    const hook: PostgresAppendOptions = {
      withinTransaction: async (trx) => {
        await sql`insert into side_unique (k) values ('same')`.execute(trx);
      },
    };
    await store.append(`poc-${randomUUID()}`, 'no_stream', [ev], ctx(tenant), hook);
    await expect(store.append(`poc-${randomUUID()}`, 'no_stream', [ev], ctx(tenant), hook)).rejects.toMatchObject({ code: '23505' });
  });
});
