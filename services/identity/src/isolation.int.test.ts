import { attackIsolation } from '@poc/platform/testing';
import { type Harness, bearer, identityForge, onboard, STRONG_PASSWORD, startIdentity } from './testing/harness.ts';

let h: Harness;

attackIsolation(
  'identity',
  async () => {
    h = await startIdentity();
    const a = await onboard(h.app, { email: 'same@both.test' });
    const b = await onboard(h.app, { email: 'same@both.test' });
    const victim = await h.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: bearer(b.accessToken),
      payload: { email: 'victim@b.test', password: STRONG_PASSWORD, displayName: 'Victor', roles: ['member'] },
    });
    return {
      app: h.app,
      attackerToken: a.accessToken,
      victimTenantId: b.tenant.id,
      victimToken: b.accessToken,
      victimIds: { id: (victim.json() as { id: string }).id },
      forge: await identityForge(h),
      victimSnapshot: async () => {
        const users = await h.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(b.accessToken) });
        const refresh = await h.db.db
          .selectFrom('identity.refresh_tokens' as never)
          .select(['revoked_at' as never])
          .where('tenant_id' as never, '=', b.tenant.id as never)
          .execute();
        return { users: users.json(), revoked: refresh };
      },
      teardown: () => h.close(),
    };
  },
  {
    attacked: [
      { method: 'GET', url: '/v1/me' },
      { method: 'GET', url: '/v1/users' },
      { method: 'POST', url: '/v1/users', body: { email: 'new@x.test', password: STRONG_PASSWORD, displayName: 'New', roles: ['member'] } },
      { method: 'GET', url: '/v1/users/:id' },
      { method: 'PUT', url: '/v1/users/:id/roles', body: { roles: ['admin'] } },
      { method: 'POST', url: '/v1/auth/logout', body: { refreshToken: 'rt_unknown' } },
    ],
    public: ['POST /v1/tenants', 'POST /v1/auth/login', 'POST /v1/auth/refresh', 'GET /.well-known/jwks.json'],
  },
);
