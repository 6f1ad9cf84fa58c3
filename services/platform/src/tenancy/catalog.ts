import { type Kysely, type Migration, type Transaction, sql } from 'kysely';
import { migrate } from '../db/migrate.ts';
import type { TenantPlacement } from './placement.ts';

/** A tenant's lifecycle in the catalog: it serves requests only when `active`. */
export type TenantStatus = 'provisioning' | 'active' | 'suspended';

export interface CatalogEntry {
  readonly placement: TenantPlacement;
  readonly status: TenantStatus;
  /** Failed provisioning attempts so far. */
  readonly attempts: number;
  /** The last provisioning failure, while not active. */
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly activatedAt: Date | null;
}

export const tenantCatalogMigrations: Record<string, Migration> = {
  '001_catalog': {
    async up(db) {
      await sql`
        create schema if not exists tenancy;
        create table tenancy.catalog (
          tenant_id uuid primary key,
          placement text not null check (placement in ('pooled', 'silo')),
          schema_name text not null,
          database_ref text,
          status text not null default 'provisioning' check (status in ('provisioning', 'active', 'suspended')),
          attempts integer not null default 0,
          last_error text,
          created_at timestamptz not null default now(),
          activated_at timestamptz,
          check ((placement = 'silo') = (database_ref is not null))
        );
      `.execute(db);
    },
  },
};

interface Row {
  tenant_id: string;
  placement: 'pooled' | 'silo';
  schema_name: string;
  database_ref: string | null;
  status: TenantStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  activated_at: Date | null;
}

const toEntry = (r: Row): CatalogEntry => ({
  placement:
    r.placement === 'silo'
      ? { tenantId: r.tenant_id, kind: 'silo', schema: r.schema_name, databaseRef: r.database_ref ?? '' }
      : { tenantId: r.tenant_id, kind: 'pooled', schema: r.schema_name },
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  createdAt: r.created_at,
  activatedAt: r.activated_at,
});

/**
 * The tenant catalog: where each tenant lives (pooled schema or silo
 * database) and whether it is provisioned. Identity writes it; any service
 * may read it to find a tenant's database.
 *
 * @example
 * await PostgresTenantCatalog.migrate(db);
 * const entry = await catalog.get(tenantId); // { placement: { kind: 'pooled', schema: 'tenant_…' }, status: 'active', … }
 */
export class PostgresTenantCatalog {
  constructor(private readonly db: Kysely<unknown>) {}

  static async migrate(db: Kysely<unknown>): Promise<void> {
    await migrate(db, 'tenancy', tenantCatalogMigrations);
  }

  /** Record a new tenant as `provisioning`, inside the caller's transaction (the one that creates the tenant). */
  async register<DB>(trx: Transaction<DB>, placement: TenantPlacement): Promise<void> {
    await sql`
      insert into tenancy.catalog (tenant_id, placement, schema_name, database_ref)
      values (${placement.tenantId}, ${placement.kind}, ${placement.schema}, ${placement.kind === 'silo' ? placement.databaseRef : null})`.execute(trx);
  }

  async get(tenantId: string): Promise<CatalogEntry | null> {
    const result = await sql<Row>`select * from tenancy.catalog where tenant_id = ${tenantId}`.execute(this.db);
    const row = result.rows[0];
    return row ? toEntry(row) : null;
  }

  /** Provisioning finished: the tenant may serve requests from now on (optionally inside the caller's transaction). */
  async markActive<DB>(tenantId: string, trx?: Transaction<DB>): Promise<void> {
    await sql`
      update tenancy.catalog set status = 'active', activated_at = now(), last_error = null
      where tenant_id = ${tenantId} and status = 'provisioning'`.execute(trx ?? this.db);
  }

  async recordFailure(tenantId: string, error: string): Promise<void> {
    await sql`
      update tenancy.catalog set attempts = attempts + 1, last_error = ${error.slice(0, 2000)}
      where tenant_id = ${tenantId}`.execute(this.db);
  }
}
