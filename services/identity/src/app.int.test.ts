import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, STRONG_PASSWORD, bearer, onboard, startIdentity } from './testing/harness.ts';

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
