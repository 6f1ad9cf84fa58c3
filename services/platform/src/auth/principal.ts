/** Roles inside a tenant (ARCHITECTURE.md, Security). */
export const ROLES = ['owner', 'admin', 'member', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from a verified access token. The tenant comes from here and nowhere else. */
export interface Principal {
  readonly userId: string;
  readonly tenantId: string;
  readonly roles: readonly Role[];
  /** The token's `jti`. */
  readonly tokenId: string;
}

/** Access token claims of API.md. */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  tid: string;
  roles: Role[];
  iat: number;
  exp: number;
  jti: string;
}

export const hasAnyRole = (principal: Principal, roles: readonly Role[]): boolean =>
  principal.roles.some((r) => roles.includes(r));
