/**
 * `pnpm bench:pocs`: POST /v1/pocs through the edge at 64 connections (each
 * create with its own Idempotency-Key, as the app sends them), beside a raw
 * single-row INSERT transaction loop at the same concurrency against the same
 * PostgreSQL, in the same run. Prints throughput and p50/p99; asserts nothing.
 *
 * pocs and the edge run as their own processes (as `pnpm start` runs them) on
 * a fresh database. Settings: BENCH_SECONDS (default 15), BENCH_CONNECTIONS
 * (64), DATABASE_URL (default: the test PostgreSQL), BENCH_DIRECT=1 to also
 * measure pocs without the edge.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
// Straight from the files: the testing index also exports the vitest contract suites.
import { createTestDatabase } from '../services/platform/src/testing/database.ts';
import { createTestIssuer } from '../services/platform/src/testing/tokens.ts';
import { migratePocs } from '../services/pocs/src/store/migrations.ts';
import { type ChildService, freePort, serveJwks, startChildService } from '../services/pocs/src/testing/child-service.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const say = (line: string) => process.stdout.write(`${line}\n`);

const database = await createTestDatabase('poc_bench');
await migratePocs(database.db);
const admin = new pg.Pool({ connectionString: database.url, max: 1 });
const children: ChildService[] = [];

try {
  const settings = await admin.query(`select current_setting('synchronous_commit') as sc, current_setting('fsync') as fsync, version() as v`);
  const { sc, fsync, v } = settings.rows[0] as { sc: string; fsync: string; v: string };
  say(`PostgreSQL: ${v.split(' on ')[0]}, synchronous_commit=${sc}, fsync=${fsync}; ${CONNECTIONS} connections, ${SECONDS} s per measurement`);

  // 1. The peer: a raw single-row INSERT transaction loop, same concurrency, same PostgreSQL.
  const raw = await rawInsertLoop(database.url, CONNECTIONS, SECONDS);
  say(`raw INSERT transactions:   ${raw.rate.toFixed(0).padStart(6)} tx/s    p50 ${raw.p50.toFixed(1)} ms  p99 ${raw.p99.toFixed(1)} ms`);

  // 2. pocs and the edge as processes.
  const issuer = await createTestIssuer();
  const jwks = await serveJwks(issuer.jwks);
  const pocsPort = await freePort();
  const common = { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000000' };
  children.push(
    await startChildService('services/pocs/src/server.ts', {
      env: { ...common, DATABASE_URL: database.url, JWKS_URL: jwks.url, DATABASE_POOL_MAX: '20' },
      port: pocsPort,
    }),
  );
  const edgePort = await freePort();
  const edge = await startEdge(edgePort, `http://127.0.0.1:${pocsPort}`, common);
  const token = await issuer.token({ tenantId: randomUUID(), roles: ['member'], expiresIn: '1h' });

  const results: [string, Awaited<ReturnType<typeof createLoad>>][] = [];
  await createLoad(`${edge}/v1/pocs`, token, 3); // warm-up: JIT, pools, JWKS cache
  results.push(['POST /v1/pocs via the edge', await createLoad(`${edge}/v1/pocs`, token, SECONDS)]);
  if (process.env.BENCH_DIRECT === '1') results.push(['POST /v1/pocs direct', await createLoad(`http://127.0.0.1:${pocsPort}/v1/pocs`, token, SECONDS)]);
  for (const [label, r] of results) {
    say(`${label.padEnd(27)}${r.rate.toFixed(0).padStart(6)} creates/s p50 ${r.p50} ms  p99 ${r.p99} ms  (${r.ok} × 201, ${r.other} other, ${r.errors} errors)  = ${(r.rate / raw.rate).toFixed(2)}× raw`);
  }
  const counted = await admin.query(`select count(*)::int as n from eventstore.events where type = 'poc.created'`);
  say(`poc.created events stored: ${(counted.rows[0] as { n: number }).n}`);
  await jwks.close();
} finally {
  for (const child of children) {
    child.process.kill('SIGTERM');
    await child.exited;
  }
  await admin.end();
  await database.drop();
}

async function startEdge(port: number, pocsUrl: string, common: Record<string, string>): Promise<string> {
  // The other upstreams are not started: the edge is then not "ready", so wait for it to be live.
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const env = { ...common, POCS_URL: pocsUrl, IDENTITY_URL: nowhere, QUERY_URL: nowhere, DOJO_URL: nowhere, REPORTS_URL: nowhere, VIDEO_URL: nowhere };
  const child = await startChildService('services/edge/src/server.ts', { env, port, readyPath: '/health/live' });
  children.push(child);
  return child.url;
}

async function createLoad(url: string, token: string, seconds: number) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, 'idempotency-key': randomUUID() },
          body: JSON.stringify({ name: 'Bench POC', languages: ['TypeScript'], tags: ['bench', 'Kafka'], repoUrl: 'https://github.com/acme/bench' }),
        }),
      },
    ],
  });
  const ok = result['2xx'];
  return { rate: ok / seconds, p50: result.latency.p50, p99: result.latency.p99, ok, other: result.non2xx, errors: result.errors + result.timeouts };
}

async function rawInsertLoop(url: string, connections: number, seconds: number) {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  await pool.query(`create table bench_raw (id uuid primary key, tenant_id uuid not null, data jsonb not null, created_at timestamptz not null default now())`);
  const latencies: number[] = [];
  const end = Date.now() + seconds * 1000;
  const data = JSON.stringify({ name: 'Bench POC', languages: ['typescript'], tags: ['bench', 'kafka'], repoUrl: 'https://github.com/acme/bench' });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = await pool.connect();
      try {
        while (Date.now() < end) {
          const started = performance.now();
          await client.query('begin');
          await client.query('insert into bench_raw (id, tenant_id, data) values ($1, $2, $3)', [randomUUID(), randomUUID(), data]);
          await client.query('commit');
          latencies.push(performance.now() - started);
        }
      } finally {
        client.release();
      }
    }),
  );
  await pool.end();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rate: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}
