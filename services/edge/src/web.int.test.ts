import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '@poc/platform';
import { buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';

const build = mkdtempSync(join(tmpdir(), 'poc-web-'));
const missing = join(build, 'nothing-here');
const bundle = 'console.log("the app");'.repeat(50);
mkdirSync(join(build, '_expo/static/js/web'), { recursive: true });
mkdirSync(join(build, 'assets/_node_modules/.pnpm/x/node_modules/y'), { recursive: true });
writeFileSync(join(build, 'index.html'), '<!doctype html><div id="root"></div><script src="/_expo/static/js/web/index-abc.js"></script>');
writeFileSync(join(build, '_expo/static/js/web/index-abc.js'), bundle);
writeFileSync(join(build, '_expo/static/js/web/index-abc.js.br'), brotliCompressSync(bundle));
writeFileSync(join(build, 'assets/_node_modules/.pnpm/x/node_modules/y/icon.png'), 'png');

const apps: App[] = [];
async function edge(webRoot: string): Promise<App> {
  // Upstreams that do not answer: these tests never reach a service.
  const env = loadServiceEnv({ LOG_LEVEL: 'silent', IDENTITY_URL: 'http://127.0.0.1:9', POCS_URL: 'http://127.0.0.1:9', QUERY_URL: 'http://127.0.0.1:9', DOJO_URL: 'http://127.0.0.1:9', REPORTS_URL: 'http://127.0.0.1:9', VIDEO_URL: 'http://127.0.0.1:9' });
  const app = await buildApp({ env, logger: false, webRoot });
  apps.push(app);
  return app;
}

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  rmSync(build, { recursive: true, force: true });
});

describe('the edge serves the app web build at /', () => {
  it('answers / and every client-side route with index.html, not cached', async () => {
    const app = await edge(build);
    for (const url of ['/', '/pocs/123', '/dojos/abc?x=1', '/login']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
      expect(res.body, url).toContain('<div id="root">');
      expect(res.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('serves hashed bundles pre-compressed and cached for a year', async () => {
    const app = await edge(build);
    const br = await app.inject({ method: 'GET', url: '/_expo/static/js/web/index-abc.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(Number(br.headers['content-length'])).toBeLessThan(bundle.length / 5);
    expect(br.headers['cache-control']).toContain('immutable');
    const plain = await app.inject({ method: 'GET', url: '/_expo/static/js/web/index-abc.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(bundle);
    expect((await app.inject({ method: 'GET', url: '/assets/_node_modules/.pnpm/x/node_modules/y/icon.png' })).statusCode).toBe(200);
  });

  it('keeps the API and missing files as problem+json 404s, and never leaves the build folder', async () => {
    const app = await edge(build);
    for (const url of ['/v1/nope', '/health/nope', '/_expo/static/js/web/missing.js', '/../../etc/passwd.txt', '/..%2f..%2fetc%2fpasswd.txt']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/problem\+json/);
    }
    const malformed = await app.inject({ method: 'GET', url: '/%E0%A4%A' });
    expect(malformed.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('explains how to build the app when the build is missing', async () => {
    const app = await edge(missing);
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('pnpm --filter @poc/mobile-native build:web');
  });
});
