import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, STRONG_PASSWORD, bearer, onboard, slug, startIdentity } from './testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startIdentity();
});
afterAll(async () => h?.close());

describe('onboarding and login', () => {
  it('given a new organisation, when it onboards, then it gets an owner and tokens that work on /v1/me', async () => {
    const t = await onboard(h.app);
    const me = await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(t.accessToken) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: t.user.id, roles: ['owner'], tenant: { id: t.tenant.id, slug: t.slug } });
    const login = await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { tenant: t.slug, email: t.email, password: STRONG_PASSWORD } });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
  });
});

describe('onboarding abuse', () => {
  it('given ONBOARDING_PER_HOUR onboardings from one address, then the next answers 429 with Retry-After', async () => {
    const limited = await startIdentity({ env: { ONBOARDING_PER_HOUR: '2' } });
    try {
      const statuses: number[] = [];
      let retryAfter: unknown;
      for (let i = 0; i < 3; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url: '/v1/tenants',
          remoteAddress: '10.77.0.1',
          payload: { name: 'Spam', slug: slug('spam'), admin: { email: 's@spam.test', password: STRONG_PASSWORD, displayName: 'S' } },
        });
        statuses.push(res.statusCode);
        retryAfter = res.headers['retry-after'];
      }
      expect(statuses).toEqual([201, 201, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

