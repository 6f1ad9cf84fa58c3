import type { Kysely } from 'kysely';
import type { AppendContext, EventStore, PostgresTenantCatalog } from '@poc/platform';
import type { FastifyRequest } from 'fastify';
import type { IdentityTables } from './db.ts';
import type { Env } from './env.ts';
import type { SigningKeys } from './keys/signing-keys.ts';
import type { LoginThrottle } from './login/throttle.ts';
import type { AccessTokenIssuer } from './tokens/access-tokens.ts';
import type { RefreshTokens } from './tokens/refresh-tokens.ts';

/** What identity's routes and use cases share, built once by `buildApp`. */
export interface Identity {
  readonly env: Env;
  readonly db: Kysely<IdentityTables>;
  readonly store: EventStore;
  readonly catalog: PostgresTenantCatalog;
  readonly keys: SigningKeys;
  readonly accessTokens: AccessTokenIssuer;
  readonly refreshTokens: RefreshTokens;
  readonly throttle: LoginThrottle;
  readonly commonPasswords: ReadonlySet<string>;
  /** Verified against when the account does not exist (same time as a wrong password). */
  readonly decoyHash: string;
}

/** Where an event written for this request comes from: the envelope's causality fields other than tenant and actor. */
export type Causality = Omit<AppendContext, 'tenantId' | 'actor'>;

/** The request id correlates the events it causes; its W3C trace context travels with them. */
export function causality(request: FastifyRequest): Causality {
  const traceparent = request.headers.traceparent;
  return { correlationId: request.id, causationId: null, traceparent: typeof traceparent === 'string' ? traceparent : null };
}
