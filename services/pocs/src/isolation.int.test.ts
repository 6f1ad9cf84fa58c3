import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { createTokenVerifier } from '@poc/platform';
import { attackIsolation } from '@poc/platform/testing';
import { type PocsHarness, startPocs } from './testing/harness.ts';

// Cross-tenant access as an attack on every route of pocs: forged, unsigned, HMAC, expired, foreign
// and unpublished tokens answer 401; tenant A's valid token (every role) on tenant B's POC answers
// 404; tenant B's stream is unchanged afterwards.
let h: PocsHarness;
const issuer = 'poc-tracker';
const audience = 'poc-tracker-api';

attackIsolation(
  'pocs',
  async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'isolation-key', alg: 'ES256', use: 'sig' }] };
    const sign = (claims: JWTPayload) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'isolation-key' }).sign(privateKey);
    const now = Math.floor(Date.now() / 1000);
    const tokenOf = (tid: string, roles: string[]) => sign({ iss: issuer, aud: audience, sub: randomUUID(), tid, roles, iat: now, exp: now + 900, jti: randomUUID() });
    h = await startPocs({}, createTokenVerifier({ issuer, audience, jwks }));
    const attackerTenant = randomUUID();
    const victimTenant = randomUUID();
    const victimToken = await tokenOf(victimTenant, ['owner']);
    const created = await h.app.inject({ method: 'POST', url: '/v1/pocs', headers: { authorization: `Bearer ${victimToken}` }, payload: { name: "B's POC" } });
    const victimId = (created.json() as { id: string }).id;
    return {
      app: h.app,
      attackerToken: await tokenOf(attackerTenant, ['owner', 'admin', 'member', 'analyst']),
      victimTenantId: victimTenant,
      victimToken,
      victimIds: { id: victimId },
      forge: { jwks, sign },
      victimSnapshot: async () => (await h.store.readStream(victimTenant, `poc-${victimId}`)).map((e) => [e.type, e.aggregateVersion, e.data]),
      teardown: () => h.close(),
    };
  },
  {
    attacked: [
      { method: 'POST', url: '/v1/pocs', body: { name: 'attack' } },
      { method: 'PATCH', url: '/v1/pocs/:id', body: { name: 'taken over' }, headers: { 'if-match': '1' } },
      { method: 'DELETE', url: '/v1/pocs/:id' },
    ],
    public: [],
  },
);
