import { Writable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, TooManyRequestsError } from '../errors.ts';
import { loggerOptions } from '../logger.ts';
import { type App, createApp } from './app.ts';
import { securityHeaders } from './security-headers.ts';

const env = { LOG_LEVEL: 'silent', CORS_ORIGINS: '*', RATE_LIMIT_PER_MINUTE: 1000, BODY_LIMIT_BYTES: 2048 };
let app: App;

async function build(overrides: Partial<typeof env> = {}): Promise<App> {
  app = await createApp({ service: 'test', env: { ...env, ...overrides }, logger: false });
  app.post(
    '/v1/things',
    {
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 5 }), size: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ name: Type.String() }) },
      },
    },
    async (request, reply) => reply.code(201).send({ name: request.body.name }),
  );
  app.get('/v1/things/:id', async () => {
    throw new NotFoundError('TEST_ERR_NOT_FOUND', 'No thing with this id');
  });
  app.get('/v1/boom', async () => {
    throw new Error('secret internals at /srv/app.ts:42');
  });
  app.get('/v1/slow', async () => {
    throw new TooManyRequestsError('TEST_ERR_SLOW', 'slow down', 7);
  });
  return app;
}

afterEach(async () => {
  await app?.close();
});

describe('the app factory', () => {
  it('answers validation failures as problem+json listing each bad field', async () => {
    const res = await (await build()).inject({ method: 'POST', url: '/v1/things', payload: { name: 'toolong', extra: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status: 400, title: 'Bad Request', instance: '/v1/things' });
    expect(body.type).toMatch(/^https:\/\//);
    const paths = body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.size', 'body.extra']));
  });

  it('maps domain errors to their status and never leaks a stack trace', async () => {
    await build();
    const notFound = await app.inject({ method: 'GET', url: '/v1/things/1' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).toMatchObject({ code: 'TEST_ERR_NOT_FOUND', detail: 'No thing with this id' });
    const boom = await app.inject({ method: 'GET', url: '/v1/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toMatch(/secret|\.ts|at /);
    const slow = await app.inject({ method: 'GET', url: '/v1/slow' });
    expect(slow.statusCode).toBe(429);
    expect(slow.headers['retry-after']).toBe('7');
  });

  it('answers unknown routes, oversized bodies, wrong media types and malformed JSON with problems', async () => {
    await build();
    expect((await app.inject({ method: 'GET', url: '/v1/nope' })).json()).toMatchObject({ status: 404 });
    const big = await app.inject({ method: 'POST', url: '/v1/things', payload: { name: 'a'.repeat(4000), size: 1 } });
    expect(big.statusCode).toBe(413);
    expect(big.headers['content-type']).toMatch(/problem\+json/);
    const media = await app.inject({ method: 'POST', url: '/v1/things', headers: { 'content-type': 'text/xml' }, payload: '<a/>' });
    expect(media.statusCode).toBe(415);
    const malformed = await app.inject({ method: 'POST', url: '/v1/things', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/problem\+json/);
  });

  it('rate limits per client address with Retry-After', async () => {
    await build({ RATE_LIMIT_PER_MINUTE: 2 });
    await app.inject({ method: 'GET', url: '/v1/things/1' });
    await app.inject({ method: 'GET', url: '/v1/things/1' });
    const third = await app.inject({ method: 'GET', url: '/v1/things/1' });
    expect(third.statusCode).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(third.json()).toMatchObject({ status: 429 });
  });

  it('sets security headers, request ids, health, metrics and an OpenAPI 3.1 document', async () => {
    await build();
    const live = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123' } });
    expect(live.statusCode).toBe(200);
    expect(live.headers['x-request-id']).toBe('abc-123');
    expect(live.headers['x-content-type-options']).toBe('nosniff');
    await app.inject({ method: 'POST', url: '/v1/things', payload: { name: 'ok', size: 1 } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/http_requests_total\{.*route="\/v1\/things".*status="201".*\} 1/);
    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(openapi.openapi).toBe('3.1.0');
    expect(openapi.paths['/v1/things'].post).toBeDefined();
  });

  it('lets a browser client on another origin read the headers the API answers with', async () => {
    await build();
    const res = await app.inject({ method: 'POST', url: '/v1/things', headers: { origin: 'https://app.example' }, payload: { name: 'a', size: 1 } });
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
    for (const name of ['consistency-token', 'etag', 'location', 'idempotent-replayed', 'content-disposition', 'content-range', 'retry-after']) {
      expect(exposed, name).toContain(name);
    }
  });

  it("sets every header helmet would set, on answers, errors and unknown routes alike", async () => {
    await build();
    const expected = securityHeaders();
    expect(Object.keys(expected)).toEqual(expect.arrayContaining(['strict-transport-security', 'x-frame-options', 'cross-origin-resource-policy']));
    for (const url of ['/health/live', '/v1/things/1', '/v1/nope']) {
      const res = await app.inject({ method: 'GET', url });
      for (const [name, value] of Object.entries(expected)) expect([url, name, res.headers[name]]).toEqual([url, name, value]);
    }
  });

  it('logs one line per request, at completion, with its request id; none for health and metrics', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    app = await createApp({ service: 'test', env, logger: pino(loggerOptions('test', 'info'), sink) });
    app.get('/v1/hello', async () => ({ hello: 'world' }));
    await app.inject({ method: 'GET', url: '/v1/hello?token=secret', headers: { 'x-request-id': 'req-1' } });
    await app.inject({ method: 'GET', url: '/health/live' });
    await app.inject({ method: 'GET', url: '/health/ready' });
    await app.inject({ method: 'GET', url: '/metrics' });
    const requestLines = lines.filter((l) => l.req !== undefined || l.res !== undefined);
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      msg: 'request completed',
      service: 'test',
      reqId: 'req-1',
      req: { method: 'GET', url: '/v1/hello?token=[redacted]' },
      res: { statusCode: 200 },
    });
    expect(typeof requestLines[0]!.responseTime).toBe('number');
  });

  it('logs the client address of a request whose connection closed with the answer, and keeps serving', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    app = await createApp({ service: 'test', env, logger: pino(loggerOptions('test', 'info'), sink) });
    app.get('/v1/hello', async () => ({ hello: 'world' }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/v1/hello`, { headers: { connection: 'close', 'x-request-id': `closing-${i}` } });
      expect(res.status).toBe(200);
      await res.text();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const completed = lines.filter((l) => l.msg === 'request completed');
    expect(completed).toHaveLength(3);
    for (const line of completed) expect(line).toMatchObject({ req: { method: 'GET', url: '/v1/hello', remoteAddress: '127.0.0.1' }, res: { statusCode: 200 } });
  });

  it('is ready only when every registered engine answers', async () => {
    await build();
    let up = false;
    app.addReadinessCheck('engine', async () => {
      if (!up) throw new Error('connection refused');
    });
    const down = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json().checks.engine).toBe('connection refused');
    up = true;
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });
});
