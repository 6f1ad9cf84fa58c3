/**
 * `pnpm bench:pocs` (issue #5): `POST /v1/pocs` through the edge at 64
 * connections, each create with its own Idempotency-Key (as the app sends
 * them), beside a raw single-row INSERT transaction loop (BEGIN; INSERT;
 * COMMIT) at the same concurrency against the same PostgreSQL, in the same
 * run. Also `POST /v1/pocs` straight to pocs, to show what the edge hop costs.
 * Prints throughput, p50/p99 and the CPU each process spent per create; asserts
 * nothing.
 *
 * pocs and the edge run as their own processes (as `pnpm start` runs them) on
 * a fresh database. The targets run in interleaved rounds (A B C, C B A, ...);
 * each is compared with the raw loop of its own round. Settings: BENCH_SECONDS
 * (15), BENCH_CONNECTIONS (64), BENCH_ROUNDS (2), BENCH_DIRECT=0 to skip the direct run, DATABASE_URL (default: the local
 * PostgreSQL on :5432, else an embedded one), BENCH_CPU_PROF=<dir> to write a
 * V8 CPU profile of pocs and the edge there (`node --cpu-prof`).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
// Straight from the files: the testing index also exports the vitest contract suites.
import { createTestDatabase } from '../services/platform/src/testing/database.ts';
import { createTestIssuer } from '../services/platform/src/testing/tokens.ts';
import { migratePocs } from '../services/pocs/src/store/migrations.ts';
import { type ChildService, freePort, serveJwks, startChildService } from '../services/pocs/src/testing/child-service.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DIRECT = process.env.BENCH_DIRECT !== '0';
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const nodeArgs = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];

/** CPU time (user + system) a process has used so far, in microseconds (Linux /proc; 0 elsewhere). */
function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

interface Row {
  label: string;
  rate: number;
  p50: number;
  p99: number;
  note: string;
  cpu: string;
}

const database = await createTestDatabase('poc_bench');
await migratePocs(database.db);
const admin = new pg.Client({ connectionString: database.url });
await admin.connect();
const dbName = new URL(database.url).pathname.slice(1);
/** CPU of every PostgreSQL backend connected to the bench database (pools keep their connections through a run). */
async function postgresMicros(): Promise<number> {
  const backends = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
  return backends.rows.reduce((sum, row) => sum + cpuMicros(row.pid), 0);
}

const children: ChildService[] = [];
const rows: Row[] = [];
try {
  const settings = await admin.query(`select current_setting('synchronous_commit') as sc, current_setting('fsync') as fsync, version() as v`);
  const { sc, fsync, v } = settings.rows[0] as { sc: string; fsync: string; v: string };

  // The services as processes, as `pnpm start` runs them.
  const issuer = await createTestIssuer();
  const jwks = await serveJwks(issuer.jwks);
  const common = { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000000' };
  const pocs = await startChildService('services/pocs/src/server.ts', {
    // The pool as deployed (DATABASE_POOL_MAX, default 10; BENCH_POCS_POOL to try others): 20 cost PostgreSQL
    // ~20 % more CPU per create (more backends contending for the same rows and locks) for no more commits.
    env: { ...common, DATABASE_URL: database.url, JWKS_URL: jwks.url, ...(process.env.BENCH_POCS_POOL ? { DATABASE_POOL_MAX: process.env.BENCH_POCS_POOL } : {}) },
    port: await freePort(),
    nodeArgs,
  });
  children.push(pocs);
  // The other upstreams are not started: the edge is then not "ready", so wait for it to be live.
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const edge = await startChildService('services/edge/src/server.ts', {
    env: { ...common, POCS_URL: pocs.url, IDENTITY_URL: nowhere, QUERY_URL: nowhere, DOJO_URL: nowhere, REPORTS_URL: nowhere, VIDEO_URL: nowhere },
    port: await freePort(),
    readyPath: '/health/live',
    nodeArgs,
  });
  children.push(edge);
  const token = await issuer.token({ tenantId: randomUUID(), roles: ['member'], expiresIn: '1h' });
  await createLoad(`${edge.url}/v1/pocs`, token, 3); // warm-up: JIT, pools, the JWKS fetch
  await admin.query(`create table bench_raw (id uuid primary key, tenant_id uuid not null, data jsonb not null, created_at timestamptz not null default now())`);

  // Interleaved rounds (A B C, C B A, ...), so a noisy moment of the shared machine hits every target alike.
  const targets: { label: string; run: () => Promise<Row> }[] = [
    // The peer: a raw single-row INSERT transaction loop, same concurrency, same PostgreSQL.
    { label: 'raw', run: rawInsertLoop },
    { label: 'edge', run: () => measuredCreates('POST /v1/pocs via the edge', `${edge.url}/v1/pocs`, token, { pocs, edge }) },
    ...(DIRECT ? [{ label: 'direct', run: () => measuredCreates('POST /v1/pocs to pocs', `${pocs.url}/v1/pocs`, token, { pocs }) }] : []),
  ];
  const byTarget = new Map<string, Row[]>(targets.map((t) => [t.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      const row = await target.run();
      byTarget.get(target.label)!.push(row);
      rows.push({ ...row, label: `${row.label}, round ${round + 1}` });
    }
  }
  const stored = await admin.query<{ n: number }>(`select count(*)::int as n from eventstore.events where type = 'poc.created'`);
  await jwks.close();

  console.log(`\n${v.split(' on ')[0]}, synchronous_commit=${sc}, fsync=${fsync}; ${CONNECTIONS} connections, ${SECONDS} s each, ${ROUNDS} rounds, ${new Date().toISOString()}\n`);
  console.log('| load | per s | p50 ms | p99 ms | vs raw (same round) | CPU per operation (µs) | |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- | --- |');
  const raws = byTarget.get('raw')!;
  for (const r of rows) {
    const round = Number(/round (\d+)$/.exec(r.label)![1]) - 1;
    console.log(`| ${r.label} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(r.rate / raws[round]!.rate).toFixed(2)}x | ${r.cpu} | ${r.note} |`);
  }
  const total = (list: Row[]) => list.reduce((sum, r) => sum + r.rate, 0);
  console.log('');
  for (const [label, list] of byTarget) {
    if (label === 'raw') continue;
    console.log(`${label}: ${(total(list) / ROUNDS).toFixed(0)} creates/s on average, ${(total(list) / total(raws)).toFixed(2)}x the raw loop over all rounds`);
  }
  console.log(`poc.created events stored: ${stored.rows[0]!.n}`);
} finally {
  for (const child of children.reverse()) {
    child.process.kill('SIGTERM');
    await child.exited;
  }
  await admin.end();
  await database.drop();
}

async function createLoad(url: string, token: string, seconds: number) {
  return autocannon({
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
}

async function measuredCreates(label: string, url: string, token: string, processes: Record<string, ChildService>): Promise<Row> {
  const before = Object.fromEntries(Object.entries(processes).map(([name, child]) => [name, cpuMicros(child.process.pid)]));
  const pgBefore = await postgresMicros();
  const self = process.cpuUsage();
  const result = await createLoad(url, token, SECONDS);
  const ok = result['2xx'];
  const per = (micros: number) => (ok > 0 ? (micros / ok).toFixed(0) : '-');
  const mine = process.cpuUsage(self);
  const cpu = [
    ...Object.entries(processes).map(([name, child]) => `${name} ${per(cpuMicros(child.process.pid) - before[name]!)}`),
    `PostgreSQL ${per((await postgresMicros()) - pgBefore)}`,
    `autocannon ${per(mine.user + mine.system)}`,
  ].join(', ');
  return {
    label,
    rate: ok / SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    note: `${ok} × 201, ${result.non2xx} other, ${result.errors + result.timeouts} errors`,
    cpu,
  };
}

async function rawInsertLoop(): Promise<Row> {
  const pool = new pg.Pool({ connectionString: database.url, max: CONNECTIONS });
  const data = JSON.stringify({ name: 'Bench POC', languages: ['typescript'], tags: ['bench', 'kafka'], repoUrl: 'https://github.com/acme/bench' });
  const latencies: number[] = [];
  // Open every connection first, so the measured loop only runs transactions.
  const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => pool.connect()));
  const pgBefore = await postgresMicros();
  const self = process.cpuUsage();
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    clients.map(async (client) => {
      while (Date.now() < end) {
        const started = performance.now();
        await client.query('begin');
        await client.query('insert into bench_raw (id, tenant_id, data) values ($1, $2, $3)', [randomUUID(), randomUUID(), data]);
        await client.query('commit');
        latencies.push(performance.now() - started);
      }
    }),
  );
  const mine = process.cpuUsage(self);
  const pgMicros = (await postgresMicros()) - pgBefore;
  for (const client of clients) client.release();
  await pool.end();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const n = latencies.length;
  return {
    label: 'raw INSERT transactions (pg)',
    rate: n / SECONDS,
    p50: at(0.5),
    p99: at(0.99),
    note: `${n} transactions`,
    cpu: `PostgreSQL ${(pgMicros / n).toFixed(0)}, client ${((mine.user + mine.system) / n).toFixed(0)}`,
  };
}
