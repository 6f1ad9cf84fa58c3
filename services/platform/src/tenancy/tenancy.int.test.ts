import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore, asSystem } from '../adapters/postgres-event-store.ts';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { PostgresTenantCatalog } from './catalog.ts';
import { type TenantPlacement, TenantDatabases, pooledPlacement, tenantSchemaName } from './placement.ts';
import { ProvisioningStepError, TenantProvisioner, postgresSchemaStep } from './provisioning.ts';

let pooled: TestDatabase<unknown>;
let silo: TestDatabase<unknown>;
let databases: TenantDatabases;

beforeAll(async () => {
  [pooled, silo] = await Promise.all([createTestDatabase('tenancy_pooled'), createTestDatabase('tenancy_silo')]);
  await PostgresEventStore.migrate(pooled.db);
  await PostgresTenantCatalog.migrate(pooled.db);
  databases = new TenantDatabases(pooled.db, { 'acme-eu': silo.url });
});
afterAll(async () => {
  await databases?.close();
  await Promise.all([pooled?.drop(), silo?.drop()]);
});

const schemas = async (db: TestDatabase<unknown>) =>
  (await sql<{ schema_name: string }>`select schema_name from information_schema.schemata where schema_name like 'tenant_%'`.execute(db.db)).rows.map((r) => r.schema_name);

describe('tenant placement and provisioning', () => {
  it('given a pooled and a silo tenant, then each schema is created where the tenant lives, and running again changes nothing', async () => {
    const a = pooledPlacement(randomUUID());
    const b: TenantPlacement = { tenantId: randomUUID(), kind: 'silo', schema: tenantSchemaName(randomUUID()), databaseRef: 'acme-eu' };
    const provisioner = new TenantProvisioner([postgresSchemaStep(databases)]);
    for (let i = 0; i < 2; i++) {
      await provisioner.provision(a);
      await provisioner.provision(b);
    }
    expect(await schemas(pooled)).toEqual([a.schema]);
    expect(await schemas(silo)).toEqual([b.schema]);
  });

  it('names the failing step, and stops there', async () => {
    const ran: string[] = [];
    const provisioner = new TenantProvisioner([
      postgresSchemaStep(databases),
      { name: 'search-index', provision: async () => { ran.push('search'); throw new Error('no engine'); } },
      { name: 'blob-prefix', provision: async () => { ran.push('blobs'); } },
    ]);
    const placement: TenantPlacement = { tenantId: randomUUID(), kind: 'silo', schema: 'tenant_x', databaseRef: 'unknown-ref' };
    await expect(provisioner.provision(placement)).rejects.toMatchObject({ step: 'postgres-schema' });
    await expect(provisioner.provision(pooledPlacement(randomUUID()))).rejects.toBeInstanceOf(ProvisioningStepError);
    expect(ran).toEqual(['search']);
    expect(() => provisioner.register({ name: 'search-index', provision: async () => {} })).toThrow(/twice/);
  });

  it('keeps tenant schema names to a safe identifier', () => {
    expect(tenantSchemaName('0B6F2C1E-AAAA-4BBB-8CCC-DDDDDDDDDDDD')).toBe('tenant_0b6f2c1eaaaa4bbb8cccdddddddddddd');
    expect(() => tenantSchemaName('x; drop schema public')).toThrow();
  });
});

describe('tenant catalog', () => {
  it('records where a tenant lives, and turns it active only from provisioning', async () => {
    const catalog = new PostgresTenantCatalog(pooled.db);
    const placement: TenantPlacement = { tenantId: randomUUID(), kind: 'silo', schema: 'tenant_s', databaseRef: 'acme-eu' };
    await asSystem(pooled.db, (trx) => catalog.register(trx, placement));
    expect(await catalog.get(placement.tenantId)).toMatchObject({ placement, status: 'provisioning', attempts: 0 });
    await catalog.recordFailure(placement.tenantId, 'search down');
    expect(await catalog.get(placement.tenantId)).toMatchObject({ attempts: 1, lastError: 'search down', status: 'provisioning' });
    await catalog.markActive(placement.tenantId);
    expect(await catalog.get(placement.tenantId)).toMatchObject({ status: 'active', lastError: null, activatedAt: expect.any(Date) });
    expect(await catalog.get(randomUUID())).toBeNull();
  });
});
