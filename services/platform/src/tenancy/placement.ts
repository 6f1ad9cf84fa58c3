import type { Kysely } from 'kysely';
import { createDatabase } from '../db/database.ts';

/**
 * Where a tenant's data lives (ARCHITECTURE.md, Multi-tenancy). Pooled: its own
 * schema in the shared database. Silo: its own database, named by a reference
 * that the deployment resolves to a connection string (the secret itself is
 * never stored in the catalog).
 */
export type TenantPlacement =
  | { readonly tenantId: string; readonly kind: 'pooled'; readonly schema: string }
  | { readonly tenantId: string; readonly kind: 'silo'; readonly schema: string; readonly databaseRef: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Postgres schema of a tenant's read models: `tenant_<id without dashes>`.
 *
 * @example
 * tenantSchemaName('0b6f2c1e-…') // 'tenant_0b6f2c1e…'
 */
export function tenantSchemaName(tenantId: string): string {
  if (!UUID.test(tenantId)) throw new Error(`invalid tenant id: ${tenantId}`);
  return `tenant_${tenantId.toLowerCase().replace(/-/g, '')}`;
}

/** The placement of a tenant in the pooled tier. */
export const pooledPlacement = (tenantId: string): TenantPlacement => ({ tenantId, kind: 'pooled', schema: tenantSchemaName(tenantId) });

/**
 * Maps placements to database handles: the shared pool for pooled tenants, one
 * pool per silo database (opened on first use, from `siloUrls[databaseRef]`).
 *
 * @example
 * const databases = new TenantDatabases(db, { 'acme-eu': 'postgres://…/acme' });
 * await sql`create table …`.execute(databases.for(placement));
 */
export class TenantDatabases {
  private readonly silos = new Map<string, Kysely<unknown>>();

  constructor(
    private readonly pooled: Kysely<unknown>,
    private readonly siloUrls: Readonly<Record<string, string>> = {},
  ) {}

  for(placement: TenantPlacement): Kysely<unknown> {
    if (placement.kind === 'pooled') return this.pooled;
    let db = this.silos.get(placement.databaseRef);
    if (!db) {
      const url = this.siloUrls[placement.databaseRef];
      if (!url) throw new Error(`no connection configured for silo database "${placement.databaseRef}"`);
      db = createDatabase({ url, max: 2, applicationName: `silo-${placement.databaseRef}` });
      this.silos.set(placement.databaseRef, db);
    }
    return db;
  }

  /** Whether `ref` names a configured silo database. */
  has(ref: string): boolean {
    return ref in this.siloUrls;
  }

  /** Close the silo pools (the pooled one belongs to the caller). */
  async close(): Promise<void> {
    await Promise.all([...this.silos.values()].map((db) => db.destroy()));
    this.silos.clear();
  }
}
