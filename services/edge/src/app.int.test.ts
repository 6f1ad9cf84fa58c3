import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '@poc/platform';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';
import type { Upstream } from './routes.ts';

const names: Upstream[] = ['identity', 'pocs', 'query', 'dojo', 'reports', 'video'];
const upstreams = new Map<Upstream, FastifyInstance>();
let edge: App;

async function fakeService(name: Upstream, ready: boolean): Promise<string> {
  const app = Fastify();
  if (name === 'dojo') {
    // A dojo stand-in for the sync socket: echoes binary frames, closes a bad token with 4401.
    await app.register(websocket);
    app.get('/v1/dojos/:id/sync', { websocket: true }, (socket, request) => {
      const { token } = request.query as { token?: string };
      if (token !== 'good') return socket.close(4401, 'invalid or expired token');
      socket.on('message', (data: Buffer) => socket.send(Buffer.concat([Buffer.from((request.params as { id: string }).id + ':'), data])));
    });
  }
  app.all('/*', async (request) => ({ served: name, method: request.method, url: request.url, body: request.body ?? null, requestId: request.headers['x-request-id'], forwardedFor: request.headers['x-forwarded-for'] }));
  app.get('/health/ready', async (_r, reply) => reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'down' }));
  app.get('/openapi.json', async () => ({ openapi: '3.1.0', paths: { [`/v1/${name}`]: { get: { summary: name } } }, components: { schemas: {} } }));
  upstreams.set(name, app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

beforeAll(async () => {
  const env: Record<string, string> = { LOG_LEVEL: 'silent' };
  for (const name of names) env[`${name.toUpperCase()}_URL`] = await fakeService(name, name !== 'video');
  edge = await buildApp({ env: loadServiceEnv(env), logger: false });
});

afterAll(async () => {
  await edge?.close();
  await Promise.all([...upstreams.values()].map((u) => u.close()));
});

describe('the edge', () => {
  it('routes POC writes to pocs and POC reads to query (CQRS)', async () => {
    const write = await edge.inject({ method: 'POST', url: '/v1/pocs', payload: { name: 'x' } });
    expect(write.json()).toMatchObject({ served: 'pocs', method: 'POST', url: '/v1/pocs', body: { name: 'x' } });
    const patch = await edge.inject({ method: 'PATCH', url: '/v1/pocs/1', payload: { name: 'y' } });
    expect(patch.json()).toMatchObject({ served: 'pocs', url: '/v1/pocs/1' });
    const read = await edge.inject({ method: 'GET', url: '/v1/pocs?q=kub&tag=a&tag=b' });
    expect(read.json()).toMatchObject({ served: 'query', url: '/v1/pocs?q=kub&tag=a&tag=b' });
  });

  it('passes request bodies on byte for byte, and answers of any size back', async () => {
    // Small bodies are read whole and sent as they came (a JSON encoder would quote this text again).
    const text = await edge.inject({ method: 'POST', url: '/v1/pocs', headers: { 'content-type': 'text/plain' }, payload: 'a "quoted" text' });
    expect(text.json()).toMatchObject({ served: 'pocs', body: 'a "quoted" text' });
    // Past 64 KiB both ways the body streams; the echo makes the answer as large.
    const large = { name: 'x'.repeat(100_000), tags: ['ü', '✓'] };
    const echoed = await edge.inject({ method: 'PATCH', url: '/v1/pocs/1', payload: large });
    expect(echoed.statusCode).toBe(200);
    expect(echoed.json()).toMatchObject({ served: 'pocs', body: large });
    expect(Number(echoed.headers['content-length'])).toBeGreaterThan(100_000);
  });

  it('answers 503 problem+json naming the service when an upstream cannot be reached, and nothing is sent twice', async () => {
    const closed = Fastify();
    const url = await closed.listen({ port: 0, host: '127.0.0.1' });
    await closed.close();
    const env: Record<string, string> = { LOG_LEVEL: 'silent' };
    for (const name of names) env[`${name.toUpperCase()}_URL`] = name === 'pocs' ? url : `http://127.0.0.1:${new URL(url).port}`;
    const lonely = await buildApp({ env: loadServiceEnv(env), logger: false });
    try {
      for (const request of [{ method: 'GET' as const, url: '/v1/me' }, { method: 'POST' as const, url: '/v1/pocs', payload: { name: 'x' } }]) {
        const res = await lonely.inject(request);
        expect(res.statusCode, request.url).toBe(503);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.headers['retry-after']).toBe('1');
        expect(res.json()).toMatchObject({ status: 503, code: 'EDGE_ERR_UPSTREAM_UNAVAILABLE' });
      }
      expect((await lonely.inject({ method: 'POST', url: '/v1/pocs', payload: { name: 'x' } })).json().detail).toContain('pocs');
    } finally {
      await lonely.close();
    }
  });

  it('routes each context to its owner and passes the request id along', async () => {
    const cases: [string, string, Upstream][] = [
      ['POST', '/v1/tenants', 'identity'],
      ['GET', '/.well-known/jwks.json', 'identity'],
      ['GET', '/v1/me', 'identity'],
      ['GET', '/v1/dojos/1/code', 'dojo'],
      ['GET', '/v1/reports/pocs.csv', 'reports'],
      ['POST', '/v1/videos', 'video'],
    ];
    for (const [method, url, served] of cases) {
      const res = await edge.inject({ method: method as 'GET', url, headers: { 'x-request-id': 'rid-1' }, ...(method === 'POST' ? { payload: {} } : {}) });
      expect(res.json(), url).toMatchObject({ served, url, requestId: 'rid-1' });
    }
  });

  it("appends the caller's address to X-Forwarded-For, so services see the client and not the edge", async () => {
    const direct = await edge.inject({ method: 'POST', url: '/v1/auth/login', payload: {}, remoteAddress: '203.0.113.9' });
    expect(direct.json()).toMatchObject({ served: 'identity', forwardedFor: '203.0.113.9' });
    const viaLoadBalancer = await edge.inject({ method: 'POST', url: '/v1/auth/login', payload: {}, remoteAddress: '10.0.0.5', headers: { 'x-forwarded-for': '198.51.100.7' } });
    expect(viaLoadBalancer.json()).toMatchObject({ forwardedFor: '198.51.100.7, 10.0.0.5' });
  });

  it('answers an unknown path itself with a problem', async () => {
    const res = await edge.inject({ method: 'GET', url: '/v1/unknown' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('merges every service OpenAPI document into one 3.1 document', async () => {
    const doc = (await edge.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(names.map((n) => `/v1/${n}`).sort());
  });

  it('is ready only when every service is ready', async () => {
    const res = await edge.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks).toMatchObject({ pocs: 'ok', video: 'video is not ready (503)' });
    const proxied = await edge.inject({ method: 'GET', url: '/health/services/pocs/ready' });
    expect(proxied.json()).toMatchObject({ status: 'ok' });
  });

  it('passes a dojo WebSocket through, query and close codes included', async () => {
    const address = await edge.listen({ port: 0, host: '127.0.0.1' });
    const base = address.replace(/^http/, 'ws');
    const socket = new WebSocket(`${base}/v1/dojos/d1/sync?token=good`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const echoed = new Promise<Buffer>((resolve) => socket.once('message', (data: Buffer) => resolve(data)));
    socket.send(Buffer.from([0, 1, 2]));
    expect(await echoed).toEqual(Buffer.concat([Buffer.from('d1:'), Buffer.from([0, 1, 2])]));
    socket.close();
    const refused = new WebSocket(`${base}/v1/dojos/d1/sync?token=bad`);
    const code = await new Promise<number>((resolve) => refused.once('close', (c) => resolve(c)));
    expect(code).toBe(4401);
  });
});
