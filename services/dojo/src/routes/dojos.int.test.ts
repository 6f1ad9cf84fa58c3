import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore, createDatabase } from '@poc/platform';
import { createTestDatabase, createTestIssuer, type TestDatabase, type TestIssuer } from '@poc/platform/testing';
import { type DojoApp, buildApp } from '../app.ts';
import { loadServiceEnv } from '../env.ts';

let t: TestDatabase<unknown>;
let issuer: TestIssuer;
let app: DojoApp;
let events: PostgresEventStore;
const tenantA = randomUUID();
const tenantB = randomUUID();
const ana = randomUUID();
let tokens: Record<'ana' | 'bo' | 'admin' | 'analyst' | 'other', string>;

beforeAll(async () => {
  t = await createTestDatabase('dojo_http');
  issuer = await createTestIssuer();
  app = await buildApp({ env: loadServiceEnv({ DATABASE_URL: t.url, LOG_LEVEL: 'silent' }), db: t.db, verifier: issuer.verifier, logger: false });
  events = new PostgresEventStore(createDatabase({ url: t.url, max: 2 }), { url: t.url });
  tokens = {
    ana: await issuer.token({ tenantId: tenantA, userId: ana, roles: ['member'] }),
    bo: await issuer.token({ tenantId: tenantA, roles: ['member'] }),
    admin: await issuer.token({ tenantId: tenantA, roles: ['admin'] }),
    analyst: await issuer.token({ tenantId: tenantA, roles: ['analyst'] }),
    other: await issuer.token({ tenantId: tenantB, roles: ['owner'] }),
  };
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

const call = (method: 'GET' | 'POST', url: string, who: keyof typeof tokens, payload?: object) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${tokens[who]}` }, ...(payload ? { payload } : {}) });

describe('dojo HTTP routes', () => {
  it('given a member, when scheduling a dojo, then 201 with the dojo, dojo.scheduled in its stream, and the starter code as its document', async () => {
    const res = await call('POST', '/v1/dojos', 'ana', { title: ' Bowling ', kata: 'bowling', language: 'TypeScript', starterCode: 'let x = 1;', rotationMinutes: 10 });
    expect(res.statusCode, res.body).toBe(201);
    const dojo = res.json();
    expect(dojo).toMatchObject({ title: 'Bowling', kata: 'bowling', language: 'typescript', status: 'scheduled', rotationMinutes: 10, createdBy: ana, participants: [], pilot: null, startedAt: null });
    expect(res.headers['consistency-token']).toBeDefined();
    const stream = await events.readStream(tenantA, `dojo-${dojo.id}`);
    expect(stream.map((e) => e.type)).toEqual(['dojo.scheduled']);
    expect((await call('GET', `/v1/dojos/${dojo.id}/code`, 'bo')).json()).toMatchObject({ code: 'let x = 1;' });
    expect((await call('GET', `/v1/dojos/${dojo.id}`, 'bo')).json()).toEqual(dojo);
  });

  it('refuses bad input with problem+json naming the field, and creates nothing', async () => {
    const before = (await call('GET', '/v1/dojos?limit=100', 'ana')).json().items.length;
    const cases: [object, string][] = [
      [{ language: 'go' }, 'title'],
      [{ title: 'x', language: 'go', rotationMinutes: 0 }, 'rotationMinutes'],
      [{ title: 'x', language: 'go', scheduledAt: 'tomorrow' }, 'scheduledAt'],
      [{ title: '   ', language: 'go' }, 'title'],
      [{ title: 'x', language: 'go', extra: 1 }, ''],
    ];
    for (const [payload, path] of cases) {
      const res = await call('POST', '/v1/dojos', 'ana', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      if (path) expect(JSON.stringify(res.json().errors), JSON.stringify(payload)).toContain(path);
    }
    expect((await call('GET', '/v1/dojos?limit=100', 'ana')).json().items.length).toBe(before);
  });

  it('an analyst may read but not schedule or end a dojo', async () => {
    expect((await call('POST', '/v1/dojos', 'analyst', { title: 'x', language: 'go' })).statusCode).toBe(403);
    const id = (await call('POST', '/v1/dojos', 'ana', { title: 'x', language: 'go' })).json().id;
    expect((await call('GET', `/v1/dojos/${id}`, 'analyst')).statusCode).toBe(200);
    expect((await call('POST', `/v1/dojos/${id}/end`, 'analyst')).statusCode).toBe(403);
  });

  it("another tenant's dojo is not found, on every route", async () => {
    const id = (await call('POST', '/v1/dojos', 'ana', { title: 'x', language: 'go', starterCode: 'secret' })).json().id;
    for (const [method, url] of [['GET', `/v1/dojos/${id}`], ['GET', `/v1/dojos/${id}/code`], ['POST', `/v1/dojos/${id}/end`], ['POST', `/v1/dojos/${id}/start`]] as const) {
      const res = await call(method, url, 'other');
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('secret');
    }
    expect((await call('GET', '/v1/dojos', 'other')).json().items).toEqual([]);
    expect((await call('GET', `/v1/dojos/${id}`, 'ana')).json().status).toBe('scheduled');
  });

  it('only the creator, an owner or an admin ends a dojo; ending twice is a conflict; the code stays readable', async () => {
    const id = (await call('POST', '/v1/dojos', 'ana', { title: 'x', language: 'go', starterCode: 'done' })).json().id;
    expect((await call('POST', `/v1/dojos/${id}/start`, 'bo')).json()).toMatchObject({ status: 'live' });
    expect((await call('POST', `/v1/dojos/${id}/end`, 'bo')).statusCode).toBe(403);
    const ended = await call('POST', `/v1/dojos/${id}/end`, 'admin');
    expect(ended.json()).toMatchObject({ status: 'ended' });
    expect(ended.json().endedAt).not.toBeNull();
    expect((await call('POST', `/v1/dojos/${id}/end`, 'ana')).statusCode).toBe(409);
    expect((await call('GET', `/v1/dojos/${id}/code`, 'ana')).json()).toMatchObject({ code: 'done' });
    const types = (await events.readStream(tenantA, `dojo-${id}`)).map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['dojo.scheduled', 'dojo.started', 'dojo.ended']);
  });

  it('lists dojos newest first with a cursor, filtered by status', async () => {
    const tenant = randomUUID();
    const token = await issuer.token({ tenantId: tenant });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ method: 'POST', url: '/v1/dojos', headers: { authorization: `Bearer ${token}` }, payload: { title: `d${i}`, language: 'go' } });
      ids.push(res.json().id);
    }
    const page1 = (await app.inject({ method: 'GET', url: '/v1/dojos?limit=3', headers: { authorization: `Bearer ${token}` } })).json();
    expect(page1.items.map((d: { title: string }) => d.title)).toEqual(['d4', 'd3', 'd2']);
    const page2 = (await app.inject({ method: 'GET', url: `/v1/dojos?limit=3&cursor=${page1.nextCursor}`, headers: { authorization: `Bearer ${token}` } })).json();
    expect(page2.items.map((d: { title: string }) => d.title)).toEqual(['d1', 'd0']);
    expect(page2.nextCursor).toBeNull();
    await app.inject({ method: 'POST', url: `/v1/dojos/${ids[0]}/end`, headers: { authorization: `Bearer ${token}` } });
    const ended = (await app.inject({ method: 'GET', url: '/v1/dojos?status=ended', headers: { authorization: `Bearer ${token}` } })).json();
    expect(ended.items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    const bad = await app.inject({ method: 'GET', url: '/v1/dojos?cursor=nope', headers: { authorization: `Bearer ${token}` } });
    expect(bad.statusCode).toBe(400);
  });

  it('requires a token', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/dojos' })).statusCode).toBe(401);
  });

  it('documents every dojo route in its OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/dojos', '/v1/dojos/{id}', '/v1/dojos/{id}/code', '/v1/dojos/{id}/end', '/v1/dojos/{id}/start']),
    );
    expect(doc.paths['/v1/dojos'].post.requestBody).toBeDefined();
  });

  it('with an Idempotency-Key, a retry (even a concurrent one) returns the same dojo and schedules nothing more; the same key for another dojo is a 422', async () => {
    const key = randomUUID();
    const send = (title: string) =>
      app.inject({ method: 'POST', url: '/v1/dojos', headers: { authorization: `Bearer ${tokens.ana}`, 'idempotency-key': key }, payload: { title, language: 'go' } });
    const [first, second] = await Promise.all([send('Once'), send('Once')]);
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(second.json().id).toBe(first.json().id);
    const third = await send('Once');
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(third.json().id).toBe(first.json().id);
    expect((await events.readStream(tenantA, `dojo-${first.json().id}`)).filter((e) => e.type === 'dojo.scheduled')).toHaveLength(1);
    const other = await send('Another');
    expect(other.statusCode).toBe(422);
    expect(other.headers['content-type']).toMatch(/problem\+json/);
  });
});
