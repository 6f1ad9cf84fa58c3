/**
 * Identity's bench (issue #4), every figure beside its peer from the same run:
 *  1. login p99 (HTTP, the whole route: throttle, lookup, argon2id, token
 *     signing, refresh-token insert) beside a bare argon2 `verify` with the
 *     same parameters; goal ≤ 1.2x;
 *  2. an authenticated route's throughput (platform verifier over identity's
 *     JWKS) beside the same route without auth; goal ≥ 0.8x.
 * Identity runs here; the route app runs in a child process and autocannon
 * here (bench/lib.ts), one load at a time (2 cores).
 *
 *   pnpm bench:identity     (DATABASE_URL, else the local PostgreSQL on :5432; BENCH_LOGINS, BENCH_SECONDS)
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { PostgresEventStore, PostgresLogEventBus, authPlugin, createApp, createTokenVerifier, principalOf } from '@poc/platform';
// The testing entry point pulls in vitest; the database helper alone does not.
import { createTestDatabase } from '../services/platform/src/testing/database.ts';
import { type Measured, load, printTable, startProcess, waitUntilOk } from './lib.ts';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 300);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 10;
const TARGET_PORT = 19_481;

const argon2 = createRequire(new URL('../services/identity/package.json', import.meta.url))('@node-rs/argon2') as {
  verify(hash: string, password: string): Promise<boolean>;
};

/** The route app: one handler, mounted with and without `app.authenticate`. */
async function serveTarget(): Promise<void> {
  const app = await createApp({
    service: 'bench-target',
    env: { LOG_LEVEL: 'warn', CORS_ORIGINS: '*', RATE_LIMIT_PER_MINUTE: 1_000_000_000, BODY_LIMIT_BYTES: 1_048_576 },
    logger: false,
  });
  await app.register(authPlugin, {
    verifier: createTokenVerifier({ issuer: 'poc-tracker', audience: 'poc-tracker-api', jwksUrl: process.env.JWKS_URL! }),
  });
  const handler = async (request: Parameters<typeof principalOf>[0]) => ({ tenant: request.principal?.tenantId ?? 'anonymous', ok: true });
  app.get('/bench/open', handler);
  app.get('/bench/authed', { onRequest: [app.authenticate] }, async (request) => {
    principalOf(request);
    return handler(request);
  });
  // For comparison only: the same check without the verified-token cache (every request verifies the signature).
  const uncached = createTokenVerifier({ issuer: 'poc-tracker', audience: 'poc-tracker-api', jwksUrl: process.env.JWKS_URL!, cache: false });
  app.get('/bench/authed-uncached', async (request) => {
    const principal = await uncached.verify(request.headers.authorization?.slice('Bearer '.length) ?? '');
    return { tenant: principal.tenantId, ok: true };
  });
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}
const ms = (n: number) => `${n.toFixed(2)} ms`;

async function main(): Promise<void> {
  const { buildApp } = await import('../services/identity/src/app.ts');
  const { loadServiceEnv } = await import('../services/identity/src/env.ts');
  const test = await createTestDatabase('identity_bench');
  const env = loadServiceEnv({ DATABASE_URL: test.url, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '100000000', NODE_ENV: 'test' });
  const store = new PostgresEventStore(test.db, { url: test.url });
  const bus = new PostgresLogEventBus(test.db, store);
  const app = await buildApp({ env, db: test.db, store, bus, logger: false });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  let child: ChildProcess | undefined;
  // node:http with a keep-alive agent: the lightest client, so the figure is the server's.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const password = 'violet tangerine hammock 42';
    const onboard = await fetch(`${base}/v1/tenants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench', slug: 'bench', admin: { email: 'bench@bench.test', password, displayName: 'Bench' } }),
    });
    if (onboard.status !== 201) throw new Error(`onboarding answered ${onboard.status}: ${await onboard.text()}`);
    const { accessToken } = (await onboard.json()) as { accessToken: string };
    const { password_hash: hash } = (await test.db
      .selectFrom('identity.users' as never)
      .select(['password_hash' as never])
      .executeTakeFirstOrThrow()) as { password_hash: string };

    const loginBody = JSON.stringify({ tenant: 'bench', email: 'bench@bench.test', password });
    const login = () =>
      new Promise<void>((resolve, reject) => {
        const req = http.request(`${base}/v1/auth/login`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(loginBody) } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`login answered ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(loginBody);
      });
    const timed = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      await fn();
      return performance.now() - start;
    };

    // 1. Login vs bare argon2 verify, interleaved so machine noise falls on both alike.
    for (let i = 0; i < 20; i++) {
      await login();
      await argon2.verify(hash, password);
    }
    const logins: number[] = [];
    const verifies: number[] = [];
    for (let i = 0; i < LOGINS; i++) {
      verifies.push(await timed(() => argon2.verify(hash, password)));
      logins.push(await timed(login));
    }
    const l = summary(logins);
    const v = summary(verifies);
    console.log(`\nLogin (${LOGINS} sequential, HTTP on 127.0.0.1) vs bare argon2id verify (m=19456 KiB, t=2, p=1), same run`);
    console.table({
      'POST /v1/auth/login': { p50: ms(l.p50), p95: ms(l.p95), p99: ms(l.p99), mean: ms(l.mean) },
      'argon2.verify': { p50: ms(v.p50), p95: ms(v.p95), p99: ms(v.p99), mean: ms(v.mean) },
    });
    console.log(`login p99 / verify p99 = ${(l.p99 / v.p99).toFixed(3)}x (goal ≤ 1.2x); p50 ratio ${(l.p50 / v.p50).toFixed(3)}x`);

    // 2. Authenticated vs open route, in a child process verifying through identity's JWKS.
    child = startProcess(fileURLToPath(import.meta.url), { BENCH_TARGET: '1', PORT: String(TARGET_PORT), JWKS_URL: `${base}/.well-known/jwks.json` });
    await waitUntilOk(`http://127.0.0.1:${TARGET_PORT}/health/live`);
    const target = (path: string) => `http://127.0.0.1:${TARGET_PORT}${path}`;
    const auth = { authorization: `Bearer ${accessToken}` };
    await load('warm-up', target('/bench/open'), { connections: CONNECTIONS, durationSeconds: 2 });
    await load('warm-up', target('/bench/authed'), { connections: CONNECTIONS, durationSeconds: 2, headers: auth });
    const runs: Record<'open' | 'authed' | 'uncached', Measured[]> = { open: [], authed: [], uncached: [] };
    for (let round = 0; round < 2; round++) {
      runs.open.push(await load('open', target('/bench/open'), { connections: CONNECTIONS, durationSeconds: SECONDS / 2 }));
      runs.authed.push(await load('authed', target('/bench/authed'), { connections: CONNECTIONS, durationSeconds: SECONDS / 2, headers: auth }));
      runs.uncached.push(await load('uncached', target('/bench/authed-uncached'), { connections: CONNECTIONS, durationSeconds: SECONDS / 2, headers: auth }));
    }
    const mean = (name: string, results: Measured[]): Measured => ({
      name,
      requestsPerSecond: results.reduce((a, r) => a + r.requestsPerSecond, 0) / results.length,
      p50: Math.max(...results.map((r) => r.p50)),
      p99: Math.max(...results.map((r) => r.p99)),
      errors: results.reduce((a, r) => a + r.errors, 0),
    });
    const open = mean('GET /bench/open (no auth)', runs.open);
    const authed = mean('GET /bench/authed (Bearer EdDSA token, platform verifier, cached JWKS)', runs.authed);
    console.log(`\nThroughput (autocannon, ${CONNECTIONS} connections, 2 alternating rounds of ${SECONDS / 2} s each), same run`);
    const uncachedRow = mean('(for comparison) the same check without the verified-token cache', runs.uncached);
    printTable([open, authed, uncachedRow], open.name);
    console.log(`authed / open = ${(authed.requestsPerSecond / open.requestsPerSecond).toFixed(3)}x (goal ≥ 0.8x)`);
  } finally {
    child?.kill('SIGTERM');
    agent.destroy();
    await app.close();
    await bus.close();
    await store.close();
    await test.drop();
  }
}

if (process.env.BENCH_TARGET) {
  await serveTarget();
} else {
  await main();
}
