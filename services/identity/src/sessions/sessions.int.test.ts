import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, STRONG_PASSWORD, bearer, onboard, startIdentity } from '../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  // Lockout has its own tests (login/throttle.int.test.ts); here it must not cut the timing rounds short.
  h = await startIdentity({ env: { LOGIN_MAX_FAILURES: '100', LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' } });
});
afterAll(async () => h?.close());

const login = (body: { tenant: string; email: string; password: string }, ip = '10.1.0.1') =>
  h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: body, remoteAddress: ip });
const refresh = (refreshToken: string) => h.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } });

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

describe('login', () => {
  it('answers the same 401, in about the same time, for an unknown tenant, an unknown user and a wrong password', async () => {
    const t = await onboard(h.app);
    const cases = {
      tenant: { tenant: 'no-such-tenant', email: t.email, password: STRONG_PASSWORD },
      user: { tenant: t.slug, email: 'nobody@acme.test', password: STRONG_PASSWORD },
      password: { tenant: t.slug, email: t.email, password: 'wrong password, long enough' },
    };
    const bodies: Record<string, unknown> = {};
    for (const [name, body] of Object.entries(cases)) {
      const res = await login(body, `10.2.0.${name.length}`);
      expect(res.statusCode, name).toBe(401);
      const { instance: _i, ...rest } = res.json() as Record<string, unknown>;
      bodies[name] = rest;
    }
    expect(bodies.user).toEqual(bodies.tenant);
    expect(bodies.password).toEqual(bodies.tenant);
    // Each costs one argon2 verification. Interleaved rounds, so machine noise falls on all three alike;
    // without the decoy hash an unknown tenant or user would answer in a small fraction of the time.
    const times: Record<keyof typeof cases, number[]> = { tenant: [], user: [], password: [] };
    for (let round = 0; round < 5; round++) {
      for (const name of ['tenant', 'user', 'password'] as const) times[name].push(await timed(() => login(cases[name], '10.3.0.1')));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2]!;
    for (const name of ['tenant', 'user'] as const) {
      expect(median(times[name]), `unknown ${name} vs wrong password: ${times[name].map((t) => t.toFixed(1))} / ${times.password.map((t) => t.toFixed(1))} ms`)
        .toBeGreaterThan(median(times.password) / 3);
    }
  });

  it('finds the account whatever the case of the email, and gives tokens with the claims of API.md', async () => {
    const t = await onboard(h.app, { email: 'Mixed.Case@Acme.test' });
    const res = await login({ tenant: t.slug, email: 'mixed.case@ACME.test', password: STRONG_PASSWORD });
    expect(res.statusCode).toBe(200);
    const { accessToken } = res.json() as { accessToken: string };
    const [header, payload] = accessToken.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'EdDSA', kid: expect.any(String) });
    expect(payload).toMatchObject({ iss: 'poc-tracker', aud: 'poc-tracker-api', sub: t.user.id, tid: t.tenant.id, roles: ['owner'], jti: expect.any(String) });
    expect(payload.exp - payload.iat).toBe(900);
  });
});

describe('refresh tokens', () => {
  it('given a refresh token, when it is used, then a new pair comes back and the old token is dead', async () => {
    const t = await onboard(h.app);
    const first = await refresh(t.refreshToken);
    expect(first.statusCode).toBe(200);
    const next = first.json() as { accessToken: string; refreshToken: string };
    expect(next.refreshToken).not.toBe(t.refreshToken);
    expect((await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(next.accessToken) })).statusCode).toBe(200);
    expect((await refresh(next.refreshToken)).statusCode).toBe(200);
  });

  it('given a spent refresh token, when it is used again, then the whole family is revoked (the thief and the owner are both logged out)', async () => {
    const t = await onboard(h.app);
    const legit = (await refresh(t.refreshToken)).json() as { refreshToken: string };
    const replay = await refresh(t.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'IDENTITY_ERR_INVALID_REFRESH_TOKEN' });
    // The newest token of the family, never used, is dead too.
    expect((await refresh(legit.refreshToken)).statusCode).toBe(401);
    // Another login starts a new family that works.
    const again = await login({ tenant: t.slug, email: t.email, password: STRONG_PASSWORD });
    expect((await refresh((again.json() as { refreshToken: string }).refreshToken)).statusCode).toBe(200);
  });

  it('stores refresh tokens hashed, never as issued', async () => {
    const t = await onboard(h.app);
    const rows = await h.db.db.selectFrom('identity.refresh_tokens' as never).selectAll().execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(t.refreshToken);
    expect(dump).not.toContain(t.refreshToken.slice(3));
  });

  it('refuses a made-up or malformed refresh token with 401', async () => {
    expect((await refresh('rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(401);
    expect((await refresh('nonsense')).statusCode).toBe(401);
  });
});

describe('logout', () => {
  it('revokes the refresh token (and its family), answering 204', async () => {
    const t = await onboard(h.app);
    const rotated = (await refresh(t.refreshToken)).json() as { refreshToken: string; accessToken: string };
    const res = await h.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(rotated.accessToken), payload: { refreshToken: rotated.refreshToken } });
    expect(res.statusCode).toBe(204);
    expect((await refresh(rotated.refreshToken)).statusCode).toBe(401);
  });

  it("given tenant B's refresh token, when tenant A logs it out, then 204 and B's session still works", async () => {
    const a = await onboard(h.app);
    const b = await onboard(h.app);
    const res = await h.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(a.accessToken), payload: { refreshToken: b.refreshToken } });
    expect(res.statusCode).toBe(204);
    expect((await refresh(b.refreshToken)).statusCode).toBe(200);
  });
});
