import {
  ConcurrencyError,
  ForbiddenError,
  IllegalStateError,
  NotFoundError,
  type Principal,
  type Role,
  appendInTransaction,
  withTenant,
} from '@poc/platform';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Causality, Identity } from '../context.ts';
import { IDENTITY_ERR } from '../errors.ts';
import { hashPassword } from '../passwords/hasher.ts';
import { assertPasswordPolicy } from '../passwords/policy.ts';
import type { UserView } from '../schemas.ts';
import { normalizeEmail, userView } from './view.ts';

const USER_COLUMNS = ['id', 'email', 'display_name', 'roles', 'created_at', 'version'] as const;
const notFound = () => new NotFoundError(IDENTITY_ERR.USER_NOT_FOUND, 'No user with this id.');

/** Only an owner may hand out (or take away) the owner role. */
function assertMayTouchOwner(principal: Principal, roles: readonly Role[]): void {
  if (roles.includes('owner') && !principal.roles.includes('owner')) {
    throw new ForbiddenError(IDENTITY_ERR.OWNER_ROLE_NEEDS_OWNER, 'Only an owner may grant or revoke the owner role.');
  }
}

/** A user in the caller's tenant. The same email may exist in another tenant: it is another user. */
export async function createUser(
  identity: Identity,
  principal: Principal,
  input: { email: string; password: string; displayName: string; roles: Role[] },
  context: Causality,
): Promise<UserView> {
  assertMayTouchOwner(principal, input.roles);
  const email = normalizeEmail(input.email);
  assertPasswordPolicy(input.password, identity.commonPasswords, 'body.password', { email });
  const passwordHash = await hashPassword(input.password);
  const userId = uuidv7();
  try {
    return await withTenant(identity.db, principal.tenantId, async (trx) => {
      const row = await trx
        .insertInto('identity.users')
        .values({ id: userId, tenant_id: principal.tenantId, email, display_name: input.displayName, password_hash: passwordHash, roles: input.roles, version: 1 })
        .returning(USER_COLUMNS)
        .executeTakeFirstOrThrow();
      await appendInTransaction(trx, `user-${userId}`, 'no_stream', [
        { type: 'user.registered', schemaVersion: 1, data: { userId, email, displayName: row.display_name, roles: row.roles } },
      ], { ...context, tenantId: principal.tenantId, actor: `user:${principal.userId}` });
      return userView(row);
    });
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'users_tenant_id_email_key') {
      throw new ConcurrencyError(IDENTITY_ERR.EMAIL_TAKEN, 'A user with this email already exists in this tenant.');
    }
    throw error;
  }
}

/** A page of the caller's tenant's users, oldest first (ids are UUIDv7, so id order is creation order). */
export async function listUsers(identity: Identity, principal: Principal, page: { limit: number; cursor?: string }) {
  return withTenant(identity.db, principal.tenantId, async (trx) => {
    let query = trx
      .selectFrom('identity.users')
      .select(USER_COLUMNS)
      .where('tenant_id', '=', principal.tenantId)
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.cursor) query = query.where('id', '>', page.cursor);
    const rows = await query.execute();
    const items = rows.slice(0, page.limit).map(userView);
    return { items, nextCursor: rows.length > page.limit ? (items[items.length - 1]?.id ?? null) : null };
  });
}

/** One user of the caller's tenant; another tenant's user is "not found". */
export async function getUser(identity: Identity, principal: Principal, userId: string): Promise<UserView> {
  const row = await withTenant(identity.db, principal.tenantId, (trx) =>
    trx.selectFrom('identity.users').select(USER_COLUMNS).where('tenant_id', '=', principal.tenantId).where('id', '=', userId).executeTakeFirst(),
  );
  if (!row) throw notFound();
  return userView(row);
}

/** Replace a user's roles; `user.role_changed` records before and after. The last owner keeps the owner role. */
export async function changeRoles(
  identity: Identity,
  principal: Principal,
  userId: string,
  roles: Role[],
  context: Causality,
): Promise<UserView> {
  return withTenant(identity.db, principal.tenantId, async (trx) => {
    const current = await trx
      .selectFrom('identity.users')
      .select(USER_COLUMNS)
      .where('tenant_id', '=', principal.tenantId)
      .where('id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw notFound();
    const touchesOwner = current.roles.includes('owner') !== roles.includes('owner');
    if (touchesOwner) assertMayTouchOwner(principal, ['owner']);
    if (current.roles.includes('owner') && !roles.includes('owner')) {
      // Lock the tenant's owners so two concurrent demotions cannot both pass this check.
      const owners = await trx
        .selectFrom('identity.users')
        .select('id')
        .where('tenant_id', '=', principal.tenantId)
        .where(sql<boolean>`'owner' = any(roles)`)
        .forUpdate()
        .execute();
      if (owners.length <= 1) throw new IllegalStateError(IDENTITY_ERR.LAST_OWNER, 'A tenant keeps at least one owner.');
    }
    if (sameRoles(current.roles, roles)) return userView(current);
    const row = await trx
      .updateTable('identity.users')
      .set({ roles, version: current.version + 1, updated_at: new Date() })
      .where('id', '=', userId)
      .returning(USER_COLUMNS)
      .executeTakeFirstOrThrow();
    await appendInTransaction(trx, `user-${userId}`, current.version, [
      { type: 'user.role_changed', schemaVersion: 1, data: { userId, from: current.roles, to: roles } },
    ], { ...context, tenantId: principal.tenantId, actor: `user:${principal.userId}` });
    return userView(row);
  });
}

const sameRoles = (a: readonly Role[], b: readonly Role[]) => a.length === b.length && a.every((r) => b.includes(r));

/** The caller and their tenant. */
export async function me(identity: Identity, principal: Principal) {
  const row = await withTenant(identity.db, principal.tenantId, (trx) =>
    trx
      .selectFrom('identity.users as u')
      .innerJoin('identity.tenants as t', 't.id', 'u.tenant_id')
      .select(['u.id', 'u.email', 'u.display_name', 'u.roles', 'u.created_at', 't.id as tenant_id', 't.name as tenant_name', 't.slug as tenant_slug'])
      .where('u.tenant_id', '=', principal.tenantId)
      .where('u.id', '=', principal.userId)
      .executeTakeFirst(),
  );
  if (!row) throw notFound();
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    roles: row.roles,
    tenant: { id: row.tenant_id, name: row.tenant_name, slug: row.tenant_slug },
  };
}
