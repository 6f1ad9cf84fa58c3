import { randomUUID } from 'node:crypto';
import { type AppendContext, ConcurrencyError, appendInTransaction, asSystem, pooledPlacement, type TenantPlacement } from '@poc/platform';
import { uuidv7 } from 'uuidv7';
import type { Causality, Identity } from '../context.ts';
import { IDENTITY_ERR } from '../errors.ts';
import { hashPassword } from '../passwords/hasher.ts';
import { assertPasswordPolicy } from '../passwords/policy.ts';
import { normalizeEmail, userView } from '../users/view.ts';
import type { UserView } from '../schemas.ts';

export interface OnboardInput {
  readonly name: string;
  readonly slug: string;
  readonly admin: { readonly email: string; readonly password: string; readonly displayName: string };
  /** Where the tenant lives; self-service onboarding is always pooled. */
  readonly placement?: (tenantId: string) => TenantPlacement;
}

export interface Onboarded {
  readonly tenant: { id: string; name: string; slug: string };
  readonly user: UserView;
}

/**
 * Self-service onboarding: in ONE transaction the tenant row, its catalog
 * entry (status `provisioning`), its owner, and the `tenant.onboarded` and
 * `user.registered` events. Provisioning happens after the commit, driven by
 * the event (see `provisioning.ts`), so it is retried until it succeeds.
 */
export async function onboardTenant(identity: Identity, input: OnboardInput, context: Causality): Promise<Onboarded> {
  const email = normalizeEmail(input.admin.email);
  assertPasswordPolicy(input.admin.password, identity.commonPasswords, 'body.admin.password', { email, slug: input.slug });
  const passwordHash = await hashPassword(input.admin.password);
  const tenantId = randomUUID();
  const userId = uuidv7();
  const placement = input.placement?.(tenantId) ?? pooledPlacement(tenantId);
  const ctx: AppendContext = { ...context, tenantId, actor: `user:${userId}` };
  try {
    return await asSystem(identity.db, async (trx) => {
      const tenant = await trx
        .insertInto('identity.tenants')
        .values({ id: tenantId, name: input.name, slug: input.slug })
        .returning(['id', 'name', 'slug'])
        .executeTakeFirstOrThrow();
      await identity.catalog.register(trx, placement);
      const user = await trx
        .insertInto('identity.users')
        .values({ id: userId, tenant_id: tenantId, email, display_name: input.admin.displayName, password_hash: passwordHash, roles: ['owner'], version: 1 })
        .returning(['id', 'email', 'display_name', 'roles', 'created_at'])
        .executeTakeFirstOrThrow();
      const placementData = placement.kind === 'silo' ? { kind: 'silo', schema: placement.schema, databaseRef: placement.databaseRef } : { kind: 'pooled', schema: placement.schema };
      await appendInTransaction(trx, `tenant-${tenantId}`, 'no_stream', [
        { type: 'tenant.onboarded', schemaVersion: 1, data: { tenantId, name: tenant.name, slug: tenant.slug, ownerId: userId, placement: placementData } },
      ], ctx);
      await appendInTransaction(trx, `user-${userId}`, 'no_stream', [
        { type: 'user.registered', schemaVersion: 1, data: { userId, email, displayName: user.display_name, roles: user.roles } },
      ], ctx);
      return { tenant, user: userView(user) };
    });
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'tenants_slug_key') {
      throw new ConcurrencyError(IDENTITY_ERR.SLUG_TAKEN, `The slug "${input.slug}" is taken; choose another.`);
    }
    throw error;
  }
}

/** Wait (bounded) until the tenant is active; woken by the provisioner's `tenant.provisioned` event. */
export async function waitUntilActive(identity: Identity, tenantId: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = await identity.catalog.get(tenantId);
    if (entry?.status === 'active') return true;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return false;
    await identity.store.waitForEvents(Math.min(remaining, 200));
  }
}
