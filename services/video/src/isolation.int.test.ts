import { randomUUID } from 'node:crypto';
import type { Role } from '@poc/platform';
import { attackIsolation, createTestIssuer } from '@poc/platform/testing';
import { FakeRenderer } from './testing/fake-renderer.ts';
import { type VideoHarness, startVideo } from './testing/harness.ts';

// Cross-tenant access as an attack on every route of the video service: forged, unsigned, HMAC,
// expired, foreign and unpublished tokens answer 401; tenant A's valid token (every role) on tenant
// B's video answers 404; tenant B's video is unchanged afterwards.
let h: VideoHarness;

attackIsolation(
  'video',
  async () => {
    const forge = await createTestIssuer();
    const victimTenant = randomUUID();
    const victimUser = randomUUID();
    const tokenOf = (tenantId: string, roles: Role[], userId = randomUUID()) => forge.token({ tenantId, roles, userId });
    h = await startVideo(forge.verifier);
    const victimToken = await tokenOf(victimTenant, ['owner'], victimUser);
    const created = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: { authorization: `Bearer ${victimToken}` }, payload: { year: 2024 } });
    const victimId = (created.json() as { id: string }).id;
    await h.startWorker(new FakeRenderer());
    await h.waitFor({ tenantId: victimTenant, userId: victimUser, auth: { authorization: `Bearer ${victimToken}` } }, victimId, ['done']);
    return {
      app: h.app,
      attackerToken: await tokenOf(randomUUID(), ['owner', 'admin', 'member', 'analyst'], victimUser),
      victimTenantId: victimTenant,
      victimToken,
      victimIds: { id: victimId },
      forge,
      victimSnapshot: async () => (await h.eventsOf(victimTenant, 'video.')).map((e) => [e.type, e.data]),
      teardown: () => h.close(),
    };
  },
  {
    attacked: [
      { method: 'POST', url: '/v1/videos', body: { year: 2024, force: true } },
      { method: 'GET', url: '/v1/videos/:id' },
      { method: 'GET', url: '/v1/videos/:id/content' },
      { method: 'POST', url: '/v1/videos/year-end', body: { year: 2024 } },
    ],
    public: [],
  },
);
