import { createTokenVerifier } from '@poc/platform';
import { createTestDatabase } from '@poc/platform/testing';
import type { Kysely } from 'kysely';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateIdentity } from '../app.ts';
import type { IdentityTables } from '../db.ts';
import { type Harness, bearer, onboard, startIdentity } from '../testing/harness.ts';
import { SIGNING_ALG, SigningKeys } from './signing-keys.ts';

const TTL = 900;
const MIN = 60_000;

describe('signing keys and rotation (clocked)', () => {
  let test: Awaited<ReturnType<typeof createTestDatabase>>;
  let clock = Date.now();
  const keysAt = (secret = 's'.repeat(32)) =>
    new SigningKeys(test.db as Kysely<IdentityTables>, { secret, accessTokenTtlSeconds: TTL, rotateAfterMs: 0, publishAheadMs: 15 * MIN, reloadMs: 0, now: () => clock });
  const tokenOf = async (keys: SigningKeys) => {
    const { kid, key } = await keys.signer();
    const now = Math.floor(clock / 1000);
    return new SignJWT({ tid: '00000000-0000-4000-8000-000000000001', roles: ['member'] })
      .setProtectedHeader({ alg: SIGNING_ALG, kid })
      .setIssuer('i').setAudience('a').setSubject('u').setJti('j').setIssuedAt(now).setExpirationTime(now + TTL)
      .sign(key);
  };
  const verify = async (keys: SigningKeys, token: string) =>
    createTokenVerifier({ issuer: 'i', audience: 'a', jwks: await keys.jwks() }).verify(token).then(() => 'ok', () => 'refused');

  beforeAll(async () => {
    test = await createTestDatabase('identity_keys');
    await migrateIdentity(test.db);
  });
  afterAll(async () => test?.drop());

  it('publishes the next key before it signs, keeps the old one until its tokens expired, and wipes its private half', async () => {
    const keys = keysAt();
    await keys.init();
    const first = (await keys.signer()).kid;
    const oldToken = await tokenOf(keys);

    const next = await keys.rotate();
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([next, first]);
    expect((await keys.signer()).kid, 'the old key signs while the new one is only published').toBe(first);

    clock += 15 * MIN + 1;
    expect((await keys.signer()).kid).toBe(next);
    const newToken = await tokenOf(keys);
    expect(await verify(keys, oldToken)).toBe('ok');
    expect(await verify(keys, newToken)).toBe('ok');
    const retired = await test.db.selectFrom('identity.signing_keys' as never).select(['private_key' as never]).where('kid' as never, '=', first as never).executeTakeFirst();
    expect(retired).toEqual({ private_key: null });

    clock += TTL * 1000 + 2 * MIN;
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([next]);
    expect(await verify(keys, oldToken)).toBe('refused');
  });

  it('rotates by itself when the newest key is older than the rotation period, once for several replicas', async () => {
    const make = () =>
      new SigningKeys(test.db as Kysely<IdentityTables>, { secret: 's'.repeat(32), accessTokenTtlSeconds: TTL, rotateAfterMs: 60 * MIN, publishAheadMs: 0, reloadMs: 0, now: () => clock });
    const [a, b] = [make(), make()];
    await a.init();
    const before = (await a.jwks()).keys.length;
    clock += 61 * MIN;
    await Promise.all([a.signer(), b.signer()]);
    expect((await a.jwks()).keys.length).toBe(before + 1);
  });

  it('keeps private keys encrypted: the stored bytes are not the key, and another secret cannot load them', async () => {
    const keys = keysAt();
    await keys.init();
    const row = await test.db.selectFrom('identity.signing_keys' as never).select(['private_key' as never]).where('private_key' as never, 'is not', null).executeTakeFirstOrThrow() as { private_key: Buffer };
    const { key } = await keys.signer();
    const der = key.export({ format: 'der', type: 'pkcs8' });
    expect(row.private_key.includes(der.subarray(16))).toBe(false);
    await expect(keysAt('another secret of at least 32 chars').init()).rejects.toThrow();
  });
});

describe('rotation in a running identity', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startIdentity({ env: { IDENTITY_KEY_PUBLISH_AHEAD_SECONDS: '0' } });
  });
  afterAll(async () => h?.close());

  it('given a token of the old key, when another replica rotates, then new tokens use the new key and both verify', async () => {
    const t = await onboard(h.app);
    const replica = new SigningKeys(h.db.db as Kysely<IdentityTables>, {
      secret: h.env.IDENTITY_KEY_ENCRYPTION_SECRET,
      accessTokenTtlSeconds: h.env.ACCESS_TOKEN_TTL_SECONDS,
      rotateAfterMs: 0,
    });
    const next = await replica.rotate({ immediately: true });
    const { kid, key } = await replica.signer();
    expect(kid).toBe(next);
    const payload = JSON.parse(Buffer.from(t.accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const fresh = await new SignJWT(payload).setProtectedHeader({ alg: SIGNING_ALG, kid }).sign(key);
    // Identity has not reloaded yet: an unknown kid makes it read the key set again (at most once a second).
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(fresh) })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(t.accessToken) })).statusCode).toBe(200);
    const jwks = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: { kid: string; kty: string; crv: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(next);
    expect(jwks.keys.every((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && k.d === undefined)).toBe(true);
  });
});
