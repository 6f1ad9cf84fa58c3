import { type Principal, type Role, ServiceUnavailableError, UnauthorizedError } from '@poc/platform';
import { sql } from 'kysely';
import type { Identity } from '../context.ts';
import { IDENTITY_ERR } from '../errors.ts';
import { verifyPassword } from '../passwords/hasher.ts';
import { normalizeEmail } from '../users/view.ts';

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

const invalidCredentials = () =>
  new UnauthorizedError(IDENTITY_ERR.INVALID_CREDENTIALS, 'The tenant, email or password is wrong.');

/** The tenant is not provisioned yet: its credentials are right, but it may not be used until it is. */
const provisioning = () =>
  new ServiceUnavailableError(IDENTITY_ERR.TENANT_PROVISIONING, 'This tenant is still being set up; try again shortly.', {
    headers: { 'retry-after': '2' },
  });

/** Issue an access token and a refresh token of a new family (login, onboarding). */
export async function issuePair(identity: Identity, subject: { userId: string; tenantId: string; roles: readonly Role[] }): Promise<TokenPair> {
  const [accessToken, refreshToken] = await Promise.all([
    identity.accessTokens.issue(subject),
    identity.refreshTokens.issue({ tenantId: subject.tenantId, userId: subject.userId }),
  ]);
  return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: identity.accessTokens.ttlSeconds };
}

/**
 * Login. Unknown tenant, unknown user and wrong password all cost one argon2
 * verification and answer the same 401. Throttled per account and per client
 * address (429 with Retry-After). A tenant still provisioning answers 503,
 * and only to the holder of valid credentials: nobody gets a token for it.
 */
export async function login(identity: Identity, input: { tenant: string; email: string; password: string }, address: string): Promise<TokenPair> {
  const slug = input.tenant.trim().toLowerCase();
  const email = normalizeEmail(input.email);
  const attempt = await identity.throttle.begin(slug, email, address);
  try {
    // Crossing into a tenant is the point of a login: looked up by slug and email, not by a principal.
    const found = await sql<{ id: string; tenant_id: string; password_hash: string; roles: Role[]; status: string }>`
      select u.id, u.tenant_id, u.password_hash, u.roles, c.status
      from identity.tenants t
      join identity.users u on u.tenant_id = t.id
      join tenancy.catalog c on c.tenant_id = t.id
      where t.slug = ${slug} and u.email = ${email}`.execute(identity.db);
    const user = found.rows[0];
    const ok = await verifyPassword(user?.password_hash ?? identity.decoyHash, input.password);
    if (!user || !ok) {
      await attempt.failed();
      throw invalidCredentials();
    }
    await attempt.succeeded();
    if (user.status !== 'active') throw provisioning();
    return await issuePair(identity, { userId: user.id, tenantId: user.tenant_id, roles: user.roles });
  } finally {
    await attempt.end();
  }
}

/** Spend a refresh token for a new pair, with the user's current roles; refused once the user or tenant is gone or inactive. */
export async function refresh(identity: Identity, refreshToken: string): Promise<TokenPair> {
  const { owner, token, accepted } = await identity.refreshTokens.rotate(refreshToken, async (owner, trx) => {
    const found = await sql<{ roles: Role[]; status: string }>`
      select u.roles, c.status from identity.users u join tenancy.catalog c on c.tenant_id = u.tenant_id
      where u.id = ${owner.userId} and u.tenant_id = ${owner.tenantId}`.execute(trx);
    const row = found.rows[0];
    if (!row || row.status !== 'active') {
      throw new UnauthorizedError(IDENTITY_ERR.INVALID_REFRESH_TOKEN, 'The refresh token is invalid, expired or revoked.');
    }
    return row.roles;
  });
  const accessToken = await identity.accessTokens.issue({ userId: owner.userId, tenantId: owner.tenantId, roles: accepted });
  return { accessToken, refreshToken: token, tokenType: 'Bearer', expiresIn: identity.accessTokens.ttlSeconds };
}

/** Logout: the refresh token's family is revoked, if it is the caller's. Always 204: nothing is revealed about other tokens. */
export async function logout(identity: Identity, principal: Principal, refreshToken: string): Promise<void> {
  await identity.refreshTokens.revoke(refreshToken, { tenantId: principal.tenantId, userId: principal.userId });
}
