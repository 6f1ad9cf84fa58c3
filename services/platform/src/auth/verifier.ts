import { type JWTVerifyGetKey, createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { UnauthorizedError } from '../errors.ts';
import { ROLES, type Principal, type Role } from './principal.ts';

/** Verifies access tokens; every service holds one. */
export interface TokenVerifier {
  /** The principal of a valid token; throws `UnauthorizedError` otherwise. */
  verify(token: string): Promise<Principal>;
}

/** Only asymmetric algorithms: an HMAC token "signed" with the public key is refused. */
export const ACCESS_TOKEN_ALGORITHMS = ['EdDSA', 'ES256'];

export interface VerifierOptions {
  issuer: string;
  audience: string;
  /** Where identity publishes its keys; fetched on demand and cached (rotation: unknown `kid` refetches). */
  jwksUrl?: string;
  /** Or the keys themselves (identity verifies with its own key set). */
  jwks?: JSONWebKeySet | JWTVerifyGetKey;
  /**
   * Remember tokens that verified (keyed by the whole token string, signature
   * included, so any edit misses) until they expire, for at most `maxAgeMs`:
   * a client reuses its token for 15 minutes, and checking the signature
   * again each time would cost more than the request. Default on
   * (10 000 tokens, 60 s); `false` turns it off.
   */
  cache?: { maxEntries?: number; maxAgeMs?: number } | false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AUTH_ERR = 'AUTH_ERR_INVALID_TOKEN';

/**
 * A verifier over a JWKS (remote and cached, or local).
 *
 * @example
 * const verifier = createTokenVerifier({ issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwksUrl: env.JWKS_URL });
 */
export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  let keys: JWTVerifyGetKey;
  if (options.jwksUrl) {
    keys = createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 5_000, timeoutDuration: 3_000 });
  } else if (typeof options.jwks === 'function') {
    keys = options.jwks;
  } else if (options.jwks) {
    keys = createLocalJWKSet(options.jwks);
  } else {
    throw new Error('createTokenVerifier needs jwksUrl or jwks');
  }
  const cache = options.cache === false ? undefined : new Map<string, { principal: Principal; until: number }>();
  const maxEntries = (options.cache && options.cache.maxEntries) || 10_000;
  const maxAgeMs = (options.cache && options.cache.maxAgeMs) || 60_000;
  return {
    async verify(token) {
      const hit = cache?.get(token);
      if (hit) {
        if (hit.until > Date.now()) return hit.principal;
        cache!.delete(token);
      }
      let payload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ACCESS_TOKEN_ALGORITHMS,
          requiredClaims: ['sub', 'tid', 'exp', 'iat', 'jti'],
        }));
      } catch (error) {
        throw new UnauthorizedError(AUTH_ERR, 'The access token is missing, invalid or expired.', { cause: error });
      }
      const { sub, tid, jti, roles } = payload as { sub?: unknown; tid?: unknown; jti?: unknown; roles?: unknown };
      if (typeof sub !== 'string' || typeof tid !== 'string' || !UUID.test(tid) || typeof jti !== 'string' || !Array.isArray(roles)) {
        throw new UnauthorizedError(AUTH_ERR, 'The access token is missing, invalid or expired.');
      }
      const valid = roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r as string));
      const principal: Principal = { userId: sub, tenantId: tid.toLowerCase(), roles: valid, tokenId: jti };
      if (cache) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
        cache.set(token, { principal, until: Math.min((payload.exp ?? 0) * 1000, Date.now() + maxAgeMs) });
      }
      return principal;
    },
  };
}
