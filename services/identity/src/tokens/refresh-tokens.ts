import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { UnauthorizedError } from '@poc/platform';
import type { IdentityTables } from '../db.ts';
import { IDENTITY_ERR } from '../errors.ts';

const PREFIX = 'rt_';
const hashOf = (token: string): Buffer => createHash('sha256').update(token).digest();
const invalid = () => new UnauthorizedError(IDENTITY_ERR.INVALID_REFRESH_TOKEN, 'The refresh token is invalid, expired or revoked.');

export interface RefreshOwner {
  readonly tenantId: string;
  readonly userId: string;
}

/**
 * Opaque refresh tokens: 256 random bits, stored as their SHA-256 only.
 * Each use spends the token and returns a new one of the same family; a
 * spent token presented again means it was stolen (or the client raced
 * itself), so the whole family is revoked. Logout revokes the family too.
 *
 * @example
 * const first = await refresh.issue(trx, { tenantId, userId });
 * const { owner, token: next } = await refresh.rotate(first);
 */
export class RefreshTokens {
  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly ttlSeconds: number,
    /** Told when a spent token comes back (a stolen token, or a client racing itself): a security event. */
    private readonly onReuse: (owner: RefreshOwner & { familyId: string }) => void = () => {},
  ) {}

  /**
   * A new token starting a new family (a login, an onboarding). Committed
   * without waiting for the WAL flush: a crash in the next fraction of a
   * second can only lose this new token (the user logs in again), never
   * revive a spent or revoked one, and login saves a disk flush.
   */
  async issue(owner: RefreshOwner): Promise<string> {
    const token = PREFIX + randomBytes(32).toString('base64url');
    await sql`
      insert into identity.refresh_tokens (id, family_id, tenant_id, user_id, token_hash, expires_at)
      select ${uuidv7()}, ${uuidv7()}, ${owner.tenantId}, ${owner.userId}, ${hashOf(token)}, ${this.expiry()}
      from (select set_config('synchronous_commit', 'off', true)) as async_commit`.execute(this.db);
    return token;
  }

  /** The successor of a spent token, in the rotation's transaction (committed durably). */
  private async successor(trx: Kysely<IdentityTables>, owner: RefreshOwner, familyId: string): Promise<string> {
    const token = PREFIX + randomBytes(32).toString('base64url');
    await trx
      .insertInto('identity.refresh_tokens')
      .values({ id: uuidv7(), family_id: familyId, tenant_id: owner.tenantId, user_id: owner.userId, token_hash: hashOf(token), expires_at: this.expiry(), used_at: null, revoked_at: null })
      .execute();
    return token;
  }

  private expiry(): Date {
    return new Date(Date.now() + this.ttlSeconds * 1000);
  }

  /**
   * Spend `token` and issue its successor. `accept` may refuse the owner
   * (tenant no longer active, user gone) by throwing; nothing is spent then.
   * Reuse of a spent token revokes its family and throws 401.
   */
  async rotate<T>(token: string, accept: (owner: RefreshOwner, trx: Kysely<IdentityTables>) => Promise<T>): Promise<{ owner: RefreshOwner; token: string; accepted: T }> {
    if (!token.startsWith(PREFIX)) throw invalid();
    const outcome = await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('identity.refresh_tokens')
        .selectAll()
        .where('token_hash', '=', hashOf(token))
        .forUpdate()
        .executeTakeFirst();
      if (!row || row.revoked_at !== null || row.expires_at.getTime() <= Date.now()) return { kind: 'invalid' as const };
      if (row.used_at !== null) return { kind: 'reused' as const, familyId: row.family_id, tenantId: row.tenant_id, userId: row.user_id };
      const owner = { tenantId: row.tenant_id, userId: row.user_id };
      const accepted = await accept(owner, trx);
      await trx.updateTable('identity.refresh_tokens').set({ used_at: new Date() }).where('id', '=', row.id).execute();
      const next = await this.successor(trx, owner, row.family_id);
      return { kind: 'rotated' as const, owner, token: next, accepted };
    });
    if (outcome.kind === 'reused') {
      // Outside the rotation transaction, so the revocation commits although the request fails.
      await this.revokeFamily(outcome.familyId);
      this.onReuse({ familyId: outcome.familyId, tenantId: outcome.tenantId, userId: outcome.userId });
      throw invalid();
    }
    if (outcome.kind === 'invalid') throw invalid();
    return { owner: outcome.owner, token: outcome.token, accepted: outcome.accepted };
  }

  /** Logout: revoke the family of `token`, if it belongs to `owner` (anyone else's token is left alone). */
  async revoke(token: string, owner: RefreshOwner): Promise<void> {
    await sql`
      update identity.refresh_tokens set revoked_at = now()
      where revoked_at is null and family_id = (
        select family_id from identity.refresh_tokens
        where token_hash = ${hashOf(token)} and tenant_id = ${owner.tenantId} and user_id = ${owner.userId})`.execute(this.db);
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.db
      .updateTable('identity.refresh_tokens')
      .set({ revoked_at: new Date() })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  }
}
