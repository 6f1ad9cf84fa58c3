/**
 * GET /health/live through the edge, directly on a service, and on a bare
 * Fastify hello-world, side by side in one run (issue: foundation).
 * Each server runs in its own process; autocannon runs here.
 *
 *   pnpm bench:edge            (uses DATABASE_URL, else the local PostgreSQL on :5432)
 */
import { load, printTable, startProcess, waitUntilOk } from './lib.ts';

const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const duration = Number(process.env.BENCH_SECONDS ?? 10);
const ports = { hello: 19001, service: 19002, edge: 19003 };

const children = [
  startProcess('bench/fixtures/hello.ts', { PORT: String(ports.hello) }),
  startProcess('services/pocs/src/server.ts', { PORT: String(ports.service), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, RATE_LIMIT_PER_MINUTE: '100000000' }),
  startProcess('services/edge/src/server.ts', { PORT: String(ports.edge), HOST: '127.0.0.1', POCS_URL: `http://127.0.0.1:${ports.service}` }),
];
try {
  await Promise.all([
    waitUntilOk(`http://127.0.0.1:${ports.hello}/`),
    waitUntilOk(`http://127.0.0.1:${ports.service}/health/live`),
    waitUntilOk(`http://127.0.0.1:${ports.edge}/health/live`),
  ]);
  const rows = [];
  // Warm up every path once, then measure one after the other (2 cores: never two loads at once).
  for (const [name, url] of [
    ['bare fastify hello-world', `http://127.0.0.1:${ports.hello}/`],
    ['service /health/live', `http://127.0.0.1:${ports.service}/health/live`],
    ['edge → service /health/live', `http://127.0.0.1:${ports.edge}/health/services/pocs/live`],
  ] as const) {
    await load(name, url, { durationSeconds: 2 });
    rows.push(await load(name, url, { durationSeconds: duration }));
  }
  console.log(`\nGET /health/live, 32 connections, ${duration} s each, ${new Date().toISOString()}\n`);
  printTable(rows, 'bare fastify hello-world');
} finally {
  for (const c of children) c.kill('SIGTERM');
}
