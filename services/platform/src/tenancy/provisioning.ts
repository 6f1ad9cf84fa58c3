import { sql } from 'kysely';
import { APP_ROLE } from '../adapters/postgres-event-store.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { SearchPort } from '../ports/search.ts';
import type { TenantDatabases, TenantPlacement } from './placement.ts';

/**
 * One thing a new tenant needs before it may serve requests: its Postgres
 * schema, its read-model tables, its search index, its blob prefix...
 * Identity's provisioner runs every registered step when a `tenant.onboarded`
 * event arrives, retries the whole list until every step succeeded, and only
 * then marks the tenant active. So a step MUST be idempotent: it may run again
 * after it (or a later step) failed, or after a crash.
 *
 * @example
 * const readModels: TenantProvisioningStep = {
 *   name: 'query-read-models',
 *   provision: async (tenant) => { await createPocTables(databases.for(tenant), tenant.schema); },
 * };
 * provisioner.register(readModels);
 */
export interface TenantProvisioningStep {
  /** Stable, unique name: logged and recorded with a failure. */
  readonly name: string;
  provision(tenant: TenantPlacement): Promise<void>;
}

/** A step failed; names it, keeps the cause. */
export class ProvisioningStepError extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(`provisioning step "${step}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ProvisioningStepError';
  }
}

/**
 * The ordered list of provisioning steps, in registration order.
 *
 * @example
 * const provisioner = new TenantProvisioner([postgresSchemaStep(databases)]);
 * provisioner.register(searchIndexStep(search));
 * await provisioner.provision(pooledPlacement(tenantId));
 */
export class TenantProvisioner {
  private readonly list: TenantProvisioningStep[] = [];

  constructor(steps: readonly TenantProvisioningStep[] = []) {
    for (const step of steps) this.register(step);
  }

  register(step: TenantProvisioningStep): this {
    if (this.list.some((s) => s.name === step.name)) throw new Error(`provisioning step "${step.name}" is registered twice`);
    this.list.push(step);
    return this;
  }

  get steps(): readonly string[] {
    return this.list.map((s) => s.name);
  }

  /** Run every step in order; throws `ProvisioningStepError` at the first failure. */
  async provision(tenant: TenantPlacement): Promise<void> {
    for (const step of this.list) {
      try {
        await step.provision(tenant);
      } catch (error) {
        throw new ProvisioningStepError(step.name, error);
      }
    }
  }
}

/** Creates the tenant's Postgres schema (in the pooled database or its silo) and lets the app role use it. */
export function postgresSchemaStep(databases: TenantDatabases): TenantProvisioningStep {
  return {
    name: 'postgres-schema',
    async provision(tenant) {
      const db = databases.for(tenant);
      const schema = sql.id(tenant.schema);
      await sql`create schema if not exists ${schema}`.execute(db);
      const role = await sql`select 1 from pg_roles where rolname = ${APP_ROLE}`.execute(db);
      if (role.rows.length > 0) await sql`grant usage, create on schema ${schema} to ${sql.id(APP_ROLE)}`.execute(db);
    },
  };
}

/** Creates the tenant's search index through the search port. */
export function searchIndexStep(search: SearchPort): TenantProvisioningStep {
  return { name: 'search-index', provision: (tenant) => search.provisionTenant(tenant.tenantId) };
}

/** Proves the tenant's blob prefix is writable by putting a marker object under it. */
export function blobPrefixStep(blobs: BlobStore): TenantProvisioningStep {
  return {
    name: 'blob-prefix',
    async provision(tenant) {
      const marker = Buffer.from(JSON.stringify({ tenantId: tenant.tenantId, provisioned: true }));
      await blobs.put(tenant.tenantId, 'tenant.json', marker, { contentType: 'application/json' });
    },
  };
}
