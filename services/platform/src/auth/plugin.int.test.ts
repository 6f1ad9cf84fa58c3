import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { SignJWT, generateKeyPair } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../http/app.ts';
import { loggerOptions } from '../logger.ts';
import { createTestIssuer, type TestIssuer } from '../testing/tokens.ts';
import { authPlugin, principalOf } from './plugin.ts';

let app: App;
let issuer: TestIssuer;
const tenant = randomUUID();

beforeAll(async () => {
  issuer = await createTestIssuer();
  app = await createApp({ service: 't', env: { LOG_LEVEL: 'silent', CORS_ORIGINS: '*', RATE_LIMIT_PER_MINUTE: 1000, BODY_LIMIT_BYTES: 4096 }, logger: false });
  await app.register(authPlugin, { verifier: issuer.verifier });
  app.get('/v1/whoami', { onRequest: [app.authenticate] }, async (request) => principalOf(request));
  app.get('/v1/admin', { onRequest: [app.authenticate, app.requireRoles('owner', 'admin')] }, async () => ({ ok: true }));
});
afterAll(async () => app?.close());

const call = (url: string, token?: string) =>
  app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('token verification', () => {
  it("puts the tenant and user ids on the request's log lines, and on no other request's", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logged = await createApp({ service: 't', env: { LOG_LEVEL: 'info', CORS_ORIGINS: '*', RATE_LIMIT_PER_MINUTE: 1000, BODY_LIMIT_BYTES: 4096 }, logger: pino(loggerOptions('t', 'info'), sink) });
    await logged.register(authPlugin, { verifier: issuer.verifier });
    logged.get('/v1/whoami', { onRequest: [logged.authenticate] }, async (request) => {
      request.log.info('inside');
      return principalOf(request);
    });
    logged.get('/v1/open', async () => ({ ok: true }));
    const token = await issuer.token({ tenantId: tenant, userId: 'u9' });
    await logged.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${token}`, 'x-request-id': 'r1' } });
    await logged.inject({ method: 'GET', url: '/v1/open', headers: { 'x-request-id': 'r2' } });
    await logged.close();
    const of = (reqId: string) => lines.filter((l) => l.reqId === reqId);
    expect(of('r1').map((l) => l.msg)).toEqual(['inside', 'request completed']);
    for (const line of of('r1')) expect(line).toMatchObject({ tenantId: tenant, userId: 'u9' });
    expect(of('r2')).toHaveLength(1);
    expect(of('r2')[0]).not.toHaveProperty('tenantId');
  });

  it('puts the principal of a valid token on the request', async () => {
    const res = await call('/v1/whoami', await issuer.token({ tenantId: tenant, userId: 'u1', roles: ['admin'] }));
    expect(res.json()).toMatchObject({ tenantId: tenant, userId: 'u1', roles: ['admin'] });
  });

  it('refuses a missing, forged, expired, foreign-audience or unsigned token with 401 problem+json', async () => {
    const good = await issuer.token({ tenantId: tenant });
    const [h, p, s] = good.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const edited = `${h}.${Buffer.from(JSON.stringify({ ...payload, tid: randomUUID() })).toString('base64url')}.${s}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
    const other = await generateKeyPair('ES256');
    const unpublished = await new SignJWT({ tid: tenant, roles: ['owner'] }).setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setIssuer(issuer.issuer).setAudience(issuer.audience).setSubject('u').setJti('j').setIssuedAt().setExpirationTime('5m').sign(other.privateKey);
    const expired = await issuer.token({ tenantId: tenant, expiresIn: '-1m' });
    const cases = [undefined, 'garbage', edited, none, unpublished, expired];
    for (const token of cases) {
      const res = await call('/v1/whoami', token);
      expect(res.statusCode, String(token)).toBe(401);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
  });

  it('enforces roles with 403', async () => {
    expect((await call('/v1/admin', await issuer.token({ tenantId: tenant, roles: ['member'] }))).statusCode).toBe(403);
    expect((await call('/v1/admin', await issuer.token({ tenantId: tenant, roles: ['owner'] }))).statusCode).toBe(200);
  });
});
