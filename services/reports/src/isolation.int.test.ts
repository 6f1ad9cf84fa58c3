import { randomUUID } from 'node:crypto';
import type { Role } from '@poc/platform';
import { attackIsolation, createTestIssuer } from '@poc/platform/testing';
import { type ReportsHarness, startReports } from './testing/harness.ts';

// Cross-tenant access as an attack on every route of reports: broken tokens answer 401; tenant A's valid
// token (every role) on tenant B's rebuild answers 404; tenant B's exports and summary are the same afterwards.
let h: ReportsHarness;

attackIsolation(
  'reports',
  async () => {
    const forge = await createTestIssuer();
    const tokenOf = (tenantId: string, roles: Role[]) => forge.token({ tenantId, roles });
    h = await startReports({ verifier: forge.verifier });
    const attackerTenant = randomUUID();
    const victimTenant = randomUUID();
    const victim = { authorization: `Bearer ${await tokenOf(victimTenant, ['owner'])}` };
    const attackerToken = await tokenOf(attackerTenant, ['owner', 'admin', 'member', 'analyst']);
    await h.pocs.inject({ method: 'POST', url: '/v1/pocs', headers: victim, payload: { name: "B's confidential POC", tags: ['secret'] } });
    await h.pocs.inject({ method: 'POST', url: '/v1/pocs', headers: { authorization: `Bearer ${attackerToken}` }, payload: { name: "A's confidential POC" } });
    await h.settle();
    const rebuild = await h.reports.inject({ method: 'POST', url: '/v1/reports/rebuilds', headers: victim, payload: { projection: 'analytics' } });
    return {
      app: h.reports,
      attackerToken,
      victimTenantId: victimTenant,
      victimToken: victim.authorization.slice('Bearer '.length),
      victimIds: { id: rebuild.json<{ id: string }>().id },
      forge,
      victimSnapshot: async () => {
        const csv = (await h.reports.inject({ method: 'GET', url: '/v1/reports/pocs.csv', headers: victim })).body;
        const { asOf: _, ...summary } = (await h.reports.inject({ method: 'GET', url: '/v1/reports/summary', headers: victim })).json<{ asOf: string }>();
        return { csv, summary };
      },
      teardown: () => h.close(),
    };
  },
  {
    attacked: [
      { method: 'GET', url: '/v1/reports/pocs.csv' },
      { method: 'GET', url: '/v1/reports/pocs.pdf' },
      { method: 'GET', url: '/v1/reports/summary' },
      { method: 'POST', url: '/v1/reports/rebuilds', body: { projection: 'analytics' } },
      { method: 'GET', url: '/v1/reports/rebuilds/:id' },
    ],
    public: [],
  },
);
