import { randomUUID } from 'node:crypto';
import type { Role } from '@poc/platform';
import { attackIsolation, createTestIssuer } from '@poc/platform/testing';
import { type PocsHarness, startPocs } from './testing/harness.ts';

// Cross-tenant access as an attack on every route of pocs: forged, unsigned, HMAC, expired, foreign
// and unpublished tokens answer 401; tenant A's valid token (every role) on tenant B's POC answers
// 404; tenant B's stream is unchanged afterwards.
let h: PocsHarness;

attackIsolation(
  'pocs',
  async () => {
    const forge = await createTestIssuer();
    const tokenOf = (tenantId: string, roles: Role[]) => forge.token({ tenantId, roles });
    h = await startPocs({}, forge.verifier);
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
      forge,
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
