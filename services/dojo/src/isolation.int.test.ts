import { randomUUID } from 'node:crypto';
import { attackIsolation, createTestDatabase, createTestIssuer } from '@poc/platform/testing';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';

attackIsolation(
  'dojo',
  async () => {
    const t = await createTestDatabase('dojo_isolation');
    const forge = await createTestIssuer();
    const token = (tenantId: string) => forge.token({ tenantId, roles: ['owner'] });
    const app = await buildApp({
      env: loadServiceEnv({ DATABASE_URL: t.url, LOG_LEVEL: 'silent' }),
      db: t.db,
      verifier: forge.verifier,
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
      forge,
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
