import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type JSONWebKeySet, type JWK, type JWTPayload, SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Signs with a key the service under attack trusts, to build tokens that are valid but for one flaw. */
export interface TokenForge {
  /** The JWKS the service trusts (the HMAC attack uses its public key as the secret). */
  readonly jwks: JSONWebKeySet;
  /** Sign `claims` (complete: iss, aud, sub, tid, roles, iat, exp, jti) with a trusted key. */
  sign(claims: JWTPayload): Promise<string>;
}

export interface IsolationFixture {
  /** The service, ready, with `authPlugin` registered before its routes. */
  readonly app: FastifyInstance;
  /** A valid token of the attacker's tenant (A), with every role: only the tenant boundary can stop it. */
  readonly attackerToken: string;
  /** The victim's tenant (B). */
  readonly victimTenantId: string;
  /** A valid token of tenant B: proves each GET on B's ids answers 200 for B, so A's 404 is the boundary, not a bad id. */
  readonly victimToken: string;
  /** Resources of tenant B, by route parameter name (e.g. `{ id: <a user of B> }`). */
  readonly victimIds: Readonly<Record<string, string>>;
  readonly forge: TokenForge;
  /** Tenant B's data as its own users see it; must be the same after every attack. */
  victimSnapshot?(): Promise<unknown>;
  teardown?(): Promise<void>;
}

export interface AttackedRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As registered, with `:params` (filled from `victimIds`). */
  readonly url: string;
  /** A body the route would accept, so a 404 is about the id and not the input. */
  readonly body?: unknown;
}

export interface IsolationRoutes {
  /** Every route that needs a token. */
  readonly attacked: readonly AttackedRoute[];
  /** `METHOD /path` of every route that deliberately takes no token (login, onboarding, JWKS...). */
  readonly public: readonly string[];
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

/** The attacks, each a token that must be refused with 401 on every protected route. */
async function forgeAttacks(f: IsolationFixture): Promise<Record<string, string | undefined>> {
  const [header = '', payload = '', signature = ''] = f.attackerToken.split('.');
  const claims = decode(payload);
  const kid = decode(header).kid as string | undefined;
  const now = Math.floor(Date.now() / 1000);
  const asVictim = { ...claims, tid: f.victimTenantId };
  const trusted = f.forge.jwks.keys[0] as JWK;
  const publicPem = createPublicKey({ key: trusted as never, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
  const hmac = (secret: string | Buffer) => {
    const head = b64({ alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) });
    const body = b64(asVictim);
    return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
  };
  const stranger = async (alg: 'ES256' | 'EdDSA', useTrustedKid: boolean) => {
    const { privateKey } = await generateKeyPair(alg);
    return new SignJWT(asVictim).setProtectedHeader({ alg, kid: useTrustedKid && kid ? kid : randomUUID() }).sign(privateKey);
  };
  return {
    'no token': undefined,
    'a malformed token': 'not.a.jwt',
    'tid edited (signature broken)': `${header}.${b64(asVictim)}.${signature}`,
    'alg: none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(asVictim)}.`,
    'alg: none with the original signature': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`,
    'HS256 signed with the public key (PEM)': hmac(publicPem),
    'HS256 signed with the public key (JWK JSON)': hmac(JSON.stringify(trusted)),
    'expired': await f.forge.sign({ ...claims, iat: now - 3600, exp: now - 60, jti: randomUUID() }),
    'another audience': await f.forge.sign({ ...claims, aud: 'another-api', iat: now, exp: now + 300, jti: randomUUID() }),
    'another issuer': await f.forge.sign({ ...claims, iss: 'https://evil.example', iat: now, exp: now + 300, jti: randomUUID() }),
    'an ES256 key never published (new kid)': await stranger('ES256', false),
    'an EdDSA key never published (published kid)': await stranger('EdDSA', true),
  };
}

const fill = (url: string, ids: Readonly<Record<string, string>>) =>
  url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const id = ids[name];
    if (!id) throw new Error(`the isolation fixture has no victim id for :${name} (${url})`);
    return id;
  });

/**
 * The cross-tenant attack suite, for any service: every protected route is
 * called with a dozen broken tokens (tid edited, `alg: none`, HMAC with the
 * public key, expired, another audience or issuer, unpublished keys...) and
 * must answer 401; every route with ids is called with tenant A's valid token
 * on tenant B's ids and must answer 404; tenant B's data must be unchanged.
 * A route the service has but the list does not name fails the suite, so a
 * new endpoint cannot skip it.
 *
 * @example
 * attackIsolation('pocs', setupTwoTenants, {
 *   attacked: [{ method: 'PATCH', url: '/v1/pocs/:id', body: { name: 'x' } }],
 *   public: [],
 * });
 */
export function attackIsolation(name: string, setup: () => Promise<IsolationFixture>, routes: IsolationRoutes): void {
  describe(`tenant isolation: ${name}`, () => {
    let f: IsolationFixture;
    let attacks: Record<string, string | undefined>;
    let before: unknown;
    beforeAll(async () => {
      f = await setup();
      attacks = await forgeAttacks(f);
      before = await f.victimSnapshot?.();
    });
    afterAll(async () => {
      await f?.teardown?.();
    });

    const call = (route: AttackedRoute, token: string | undefined, ids: Readonly<Record<string, string>>) =>
      f.app.inject({
        method: route.method,
        url: fill(route.url, ids),
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        ...(route.body === undefined ? {} : { payload: route.body as object }),
      });

    it('names every route of the service (a new route must join the suite)', () => {
      const listed = new Set([...routes.attacked.map((r) => `${r.method} ${r.url}`), ...routes.public]);
      const registered = f.app.routeSecurity().filter((r) => !r.hidden);
      const missing = registered.map((r) => `${r.method} ${r.url}`).filter((r) => !listed.has(r));
      expect(missing, 'routes the isolation suite does not attack').toEqual([]);
      const unguarded = registered.filter((r) => !r.authenticated && routes.attacked.some((a) => a.method === r.method && a.url === r.url));
      expect(unguarded.map((r) => `${r.method} ${r.url}`), 'attacked routes without app.authenticate').toEqual([]);
    });

    for (const route of routes.attacked) {
      it(`${route.method} ${route.url}: every forged, expired or foreign token answers 401`, async () => {
        const ids = Object.fromEntries(Object.keys(f.victimIds).map((k) => [k, f.victimIds[k]!]));
        for (const [attack, token] of Object.entries(attacks)) {
          const res = await call(route, token, ids);
          expect(res.statusCode, `${attack}: ${res.body}`).toBe(401);
          expect(res.headers['content-type'], attack).toMatch(/application\/problem\+json/);
        }
      });
      if (/:[A-Za-z]/.test(route.url)) {
        it(`${route.method} ${route.url}: tenant A's token on tenant B's ids answers 404`, async () => {
          const res = await call(route, f.attackerToken, f.victimIds);
          expect(res.statusCode, res.body).toBe(404);
          if (route.method === 'GET') {
            const own = await call(route, f.victimToken, f.victimIds);
            expect(own.statusCode, `tenant B on its own ids: ${own.body}`).toBe(200);
          }
        });
      }
    }

    it("leaves tenant B's data as it was", async () => {
      if (!f.victimSnapshot) return;
      expect(await f.victimSnapshot()).toEqual(before);
    });
  });
}
