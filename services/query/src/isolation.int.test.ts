import { randomUUID } from 'node:crypto';
import type { Role } from '@poc/platform';
import { attackIsolation, createTestIssuer } from '@poc/platform/testing';
import { type ReadSideHarness, startReadSide } from './testing/harness.ts';

// Cross-tenant access as an attack on every route of query: forged, unsigned, HMAC, expired, foreign
// and unpublished tokens answer 401; tenant A's valid token (every role) on tenant B's POC answers 404;
// what tenant B finds is the same afterwards.
let h: ReadSideHarness;

attackIsolation(
  'query',
  async () => {
    const forge = await createTestIssuer();
    const tokenOf = (tenantId: string, roles: Role[]) => forge.token({ tenantId, roles });
    h = await startReadSide({ verifier: forge.verifier });
    const attackerTenant = randomUUID();
    const victimTenant = randomUUID();
    const victimToken = await tokenOf(victimTenant, ['owner']);
    const victim = { authorization: `Bearer ${victimToken}` };
    const created = await h.pocs.inject({ method: 'POST', url: '/v1/pocs', headers: victim, payload: { name: "B's confidential POC", tags: ['secret'] } });
    const victimId = created.json<{ id: string }>().id;
    // Wait until B's POC is readable, so A's 404 is the boundary and not the projection lagging.
    await h.query.inject({ method: 'GET', url: `/v1/pocs/${victimId}`, headers: { ...victim, 'consistency-token': created.headers['consistency-token'] as string } });
    // The attacker has POCs of its own with the same words: a leak would show up among them.
    const attackerToken = await tokenOf(attackerTenant, ['owner', 'admin', 'member', 'analyst']);
    await h.pocs.inject({ method: 'POST', url: '/v1/pocs', headers: { authorization: `Bearer ${attackerToken}` }, payload: { name: "A's confidential POC" } });
    return {
      app: h.query,
      attackerToken,
      victimTenantId: victimTenant,
      victimToken,
      victimIds: { id: victimId },
      forge,
      victimSnapshot: async () => (await h.query.inject({ method: 'GET', url: '/v1/pocs?q=confidential', headers: victim })).json(),
      teardown: () => h.close(),
    };
  },
  {
    attacked: [
      { method: 'GET', url: '/v1/pocs' },
      { method: 'GET', url: '/v1/pocs/suggest' },
      { method: 'GET', url: '/v1/pocs/:id' },
    ],
    public: [],
  },
);
