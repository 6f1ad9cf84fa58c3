import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, STRONG_PASSWORD, onboard, startIdentity } from '../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startIdentity({
    env: { LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '6', LOGIN_WAIT_INCREMENT_SECONDS: '1', LOGIN_MAX_WAIT_SECONDS: '60' },
  });
});
afterAll(async () => h?.close());

const login = (body: { tenant: string; email: string; password: string }, ip: string) =>
  h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: body, remoteAddress: ip });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lockout per account', () => {
  it('given 3 failed logins, when the right password comes next, then 429 with Retry-After, and the wait doubles after the next failure', async () => {
    const t = await onboard(h.app);
    const wrong = { tenant: t.slug, email: t.email, password: 'not the password at all' };
    for (let i = 0; i < 3; i++) expect((await login(wrong, `10.9.${i}.1`)).statusCode).toBe(401);
    const locked = await login({ tenant: t.slug, email: t.email, password: STRONG_PASSWORD }, '10.9.9.1');
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ code: 'IDENTITY_ERR_LOGIN_THROTTLED' });
    expect(locked.headers['retry-after']).toBe('1');
    await sleep(1100);
    expect((await login(wrong, '10.9.10.1')).statusCode).toBe(401);
    const again = await login({ tenant: t.slug, email: t.email, password: STRONG_PASSWORD }, '10.9.11.1');
    expect(again.statusCode).toBe(429);
    expect(again.headers['retry-after']).toBe('2');
    await sleep(2100);
    const ok = await login({ tenant: t.slug, email: t.email, password: STRONG_PASSWORD }, '10.9.12.1');
    expect(ok.statusCode).toBe(200);
  });

  it('locks an account that does not exist the same way (the lock tells nothing)', async () => {
    const t = await onboard(h.app);
    const ghost = { tenant: t.slug, email: 'ghost@acme.test', password: 'not the password at all' };
    for (let i = 0; i < 3; i++) expect((await login(ghost, `10.8.${i}.1`)).statusCode).toBe(401);
    expect((await login(ghost, '10.8.9.1')).statusCode).toBe(429);
  });

  it('refuses a parallel burst on one account instead of checking every guess', async () => {
    const t = await onboard(h.app);
    const wrong = { tenant: t.slug, email: t.email, password: 'not the password at all' };
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login(wrong, `10.7.${i}.1`)));
    const checked = answers.filter((r) => r.statusCode === 401).length;
    expect(answers.every((r) => r.statusCode === 401 || r.statusCode === 429)).toBe(true);
    expect(checked).toBeLessThanOrEqual(3);
  });

  it('a successful login forgets earlier failures', async () => {
    const t = await onboard(h.app);
    const wrong = { tenant: t.slug, email: t.email, password: 'not the password at all' };
    const right = { tenant: t.slug, email: t.email, password: STRONG_PASSWORD };
    for (let i = 0; i < 2; i++) await login(wrong, `10.6.${i}.1`);
    expect((await login(right, '10.6.5.1')).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await login(wrong, `10.6.${i + 10}.1`)).statusCode).toBe(401);
    expect((await login(right, '10.6.20.1')).statusCode).toBe(200);
  });
});

describe('throttle per client address', () => {
  it('given 6 failures from one address on different accounts, then that address waits, and another address does not', async () => {
    const t = await onboard(h.app);
    for (let i = 0; i < 6; i++) {
      expect((await login({ tenant: t.slug, email: `guess${i}@acme.test`, password: 'not the password at all' }, '10.5.0.1')).statusCode).toBe(401);
    }
    const right = { tenant: t.slug, email: t.email, password: STRONG_PASSWORD };
    const blocked = await login(right, '10.5.0.1');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(right, '10.5.0.2')).statusCode).toBe(200);
  });
});
