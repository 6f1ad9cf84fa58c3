import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { Role } from '../auth/principal.ts';
import { createTokenVerifier, type TokenVerifier } from '../auth/verifier.ts';

export interface TestIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly jwks: JSONWebKeySet;
  readonly verifier: TokenVerifier;
  /** A signed access token, as identity would issue it. */
  token(claims: { tenantId: string; userId?: string; roles?: Role[]; expiresIn?: string }): Promise<string>;
  /** Signs exactly `claims` with the trusted key (a `TokenForge` for `attackIsolation`). */
  sign(claims: JWTPayload): Promise<string>;
}

/** An in-test token issuer with its own ES256 key, for services tested without identity running. */
export async function createTestIssuer(issuer = 'poc-tracker', audience = 'poc-tracker-api'): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const jwks = { keys: [jwk] };
  return {
    issuer,
    audience,
    jwks,
    verifier: createTokenVerifier({ issuer, audience, jwks }),
    sign: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'test-key' }).sign(privateKey),
    token: async ({ tenantId, userId = randomUUID(), roles = ['member'], expiresIn = '15m' }) =>
      new SignJWT({ tid: tenantId, roles })
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(userId)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey),
  };
}
