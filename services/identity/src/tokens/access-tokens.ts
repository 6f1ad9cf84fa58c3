import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Role } from '@poc/platform';
import { SIGNING_ALG, type SigningKeys } from '../keys/signing-keys.ts';

export interface AccessTokenIssuer {
  readonly ttlSeconds: number;
  issue(subject: { userId: string; tenantId: string; roles: readonly Role[] }): Promise<string>;
}

/** Signs access tokens with the claims of API.md: iss, aud, sub, tid, roles, iat, exp, jti. */
export function accessTokenIssuer(keys: SigningKeys, options: { issuer: string; audience: string; ttlSeconds: number }): AccessTokenIssuer {
  return {
    ttlSeconds: options.ttlSeconds,
    async issue({ userId, tenantId, roles }) {
      const { kid, key } = await keys.signer();
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ tid: tenantId, roles: [...roles] })
        .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(userId)
        .setJti(randomUUID())
        .setIssuedAt(now)
        .setExpirationTime(now + options.ttlSeconds)
        .sign(key);
    },
  };
}
