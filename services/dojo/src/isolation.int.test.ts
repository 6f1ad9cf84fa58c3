import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createTokenVerifier } from '@poc/platform';
import { attackIsolation, createTestDatabase } from '@poc/platform/testing';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';

attackIsolation(
  'dojo',
  async () => {
    const t = await createTestDatabase('dojo_isolation');
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
    const [issuer, audience] = ['poc-tracker', 'poc-tracker-api'];
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    const token = (tenantId: string) => {
      const now = Math.floor(Date.now() / 1000);
      return sign({ iss: issuer, aud: audience, sub: randomUUID(), tid: tenantId, roles: ['owner'], iat: now, exp: now + 600, jti: randomUUID() });
    };
    const app = await buildApp({
      env: loadServiceEnv({ DATABASE_URL: t.url, LOG_LEVEL: 'silent' }),
      db: t.db,
      verifier: createTokenVerifier({ issuer, audience, jwks }),
      logger: false,
    });
    const [a, b] = [randomUUID(), randomUUID()];
    const victimToken = await token(b);
    const created = await app.inject({
      method: 'POST',
      url: '/v1/dojos',
      headers: { authorization: `Bearer ${victimToken}` },
      payload: { title: 'B only', language: 'go', starterCode: 'secret of B' },
    });
    const id = (created.json() as { id: string }).id;
    return {
      app,
      attackerToken: await token(a),
      victimTenantId: b,
      victimToken,
      victimIds: { id },
      forge: { jwks, sign },
      victimSnapshot: async () => {
        const auth = { authorization: `Bearer ${victimToken}` };
        const dojo = await app.inject({ method: 'GET', url: `/v1/dojos/${id}`, headers: auth });
        const code = await app.inject({ method: 'GET', url: `/v1/dojos/${id}/code`, headers: auth });
        return { dojo: dojo.json(), code: (code.json() as { code: string }).code };
      },
      teardown: async () => {
        await app.close();
        await t.drop();
      },
    };
  },
  {
    attacked: [
      { method: 'POST', url: '/v1/dojos', body: { title: 'x', language: 'go' } },
      { method: 'GET', url: '/v1/dojos' },
      { method: 'GET', url: '/v1/dojos/:id' },
      { method: 'GET', url: '/v1/dojos/:id/code' },
      { method: 'POST', url: '/v1/dojos/:id/start' },
      { method: 'POST', url: '/v1/dojos/:id/end' },
    ],
    // The sync socket authenticates in band (`?token=`, before any byte) and answers with close codes:
    // attacked in sync.int.test.ts (4401 bad tokens, 4403 another tenant's dojo, nothing sent).
    public: ['GET /v1/dojos/:id/sync'],
  },
);
