/**
 * `pnpm bench:reports`: the reports service at scale, as its own process.
 *
 *  1. CSV export of BENCH_CSV_POCS (100,000) POCs: rows/s through the API, and the service's RSS
 *     sampled every 50 ms during the export (peak), beside an export of a tenant with a tenth as many
 *     POCs (flat memory: the peaks should match); the peer is the same keyset pages read straight
 *     from PostgreSQL (no HTTP, no CSV).
 *  2. PDF report for a year with BENCH_PDF_POCS (5,000) POCs: seconds.
 *  3. `summary?asOf=` replaying BENCH_REPLAY_EVENTS (1,000,000) events of one tenant: events/s;
 *     the peers are reading the same events through the event store without folding them, paging
 *     `readAll` and through `readHistory` (the scan the replay reads with).
 *
 * Data is written straight into the analytics read model (exports, PDF) and the event store
 * (replay) with SQL. DATABASE_URL (default the local PostgreSQL) names the server; the bench makes
 * its own database there and drops it.
 *
 *   pnpm bench:reports
 *   BENCH_CSV_POCS=20000 BENCH_REPLAY_EVENTS=200000 pnpm bench:reports   (a smaller run)
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { sql } from 'kysely';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { PostgresEventStore, asSystem, createDatabase, tenantSchemaName } from '@poc/platform';
import { ANALYTICS_POCS, migrateProjections, provisionAnalytics } from '@poc/projections';
import { createTestIssuer } from '../services/platform/src/testing/tokens.ts';
import { startProcess, waitUntilOk } from './lib.ts';
import { generatePocs } from './search-data.ts';

const CSV_POCS = Number(process.env.BENCH_CSV_POCS ?? 100_000);
const PDF_POCS = Number(process.env.BENCH_PDF_POCS ?? 5_000);
const REPLAY_EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 1_000_000);
const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const say = (line: string) => process.stdout.write(`${line}\n`);

const dbName = `bench_reports_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);
const url = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
const db = createDatabase({ url, max: 4, applicationName: 'bench-reports' });
let service: ChildProcess | undefined;
const jwks = createHttpServer();

try {
  await PostgresEventStore.migrate(db);
  await migrateProjections(db);

  // --- data -----------------------------------------------------------------------------------------
  const csvTenant = randomUUID();
  const smallTenant = randomUUID();
  const pdfTenant = randomUUID();
  const replayTenant = randomUUID();
  const seedReadModel = async (tenantId: string, count: number, seed: number, year?: number) => {
    await provisionAnalytics(db, tenantId);
    const authors = Array.from({ length: 40 }, () => randomUUID());
    const pocs = generatePocs(count, seed);
    for (let start = 0; start < pocs.length; start += 5_000) {
      const rows = pocs.slice(start, start + 5_000).map((p, i) => {
        const createdAt = year ? new Date(Date.UTC(year, 0, 1) + ((start + i) * 6_301_000) % (365 * 86_400_000)).toISOString() : p.createdAt;
        const poc = {
          id: uuidv7(), name: p.name, description: p.description, languages: p.languages, tags: p.tags, repoUrl: p.repoUrl, status: p.status,
          startedAt: null, finishedAt: null, createdAt, updatedAt: createdAt, createdBy: authors[(start + i) % authors.length]!, version: 1,
        };
        return { id: poc.id, created_at: createdAt, created_by: poc.createdBy, status: poc.status, languages: poc.languages, tags: poc.tags, poc };
      });
      await sql`insert into ${sql.id(tenantSchemaName(tenantId), ANALYTICS_POCS)} (id, version, created_at, created_by, status, languages, tags, poc)
        select r.id, 1, r.created_at, r.created_by, r.status, array(select jsonb_array_elements_text(r.languages)), array(select jsonb_array_elements_text(r.tags)), r.poc
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, created_at timestamptz, created_by text, status text, languages jsonb, tags jsonb, poc jsonb)`.execute(db);
    }
    await sql`analyze ${sql.id(tenantSchemaName(tenantId), ANALYTICS_POCS)}`.execute(db);
  };
  let t0 = performance.now();
  await seedReadModel(csvTenant, CSV_POCS, 42);
  await seedReadModel(smallTenant, Math.round(CSV_POCS / 10), 43);
  await seedReadModel(pdfTenant, PDF_POCS, 44, 2025);
  say(`seeded the read model: ${CSV_POCS} + ${Math.round(CSV_POCS / 10)} + ${PDF_POCS} POCs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // The replay tenant's history, generated inside PostgreSQL: per POC a creation, a tag, a status change and an edit.
  t0 = performance.now();
  const pocsForReplay = Math.ceil(REPLAY_EVENTS / 4);
  const chunk = 50_000;
  for (let first = 0; first < pocsForReplay; first += chunk) {
    const last = Math.min(pocsForReplay, first + chunk) - 1;
    await asSystem(db, (trx) =>
      sql`insert into eventstore.events (id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, occurred_at)
        select gen_random_uuid(), ${replayTenant}::uuid, 'poc-' || md5(${replayTenant} || ':' || i)::uuid, v,
          case v when 1 then 'poc.created' when 2 then 'poc.tagged' when 3 then 'poc.status_changed' else 'poc.updated' end,
          case v when 1 then 2 else 1 end,
          case v
            when 1 then jsonb_build_object('name', 'POC ' || i || ' integração', 'description', 'Análise de latência ' || i, 'languages',
              jsonb_build_array((array['typescript','go','python','rust','java','kotlin'])[1 + i % 6]), 'tags', jsonb_build_array('t' || (i % 50)),
              'repoUrl', null, 'status', 'idea', 'startedAt', null, 'finishedAt', null)
            when 2 then jsonb_build_object('tags', jsonb_build_array('x' || (i % 17)))
            when 3 then jsonb_build_object('from', 'idea', 'to', (array['in_progress','done','abandoned'])[1 + i % 3])
            else jsonb_build_object('description', 'Edited ' || i)
          end,
          'user:' || md5((i % 40)::text)::uuid, 'bench', timestamptz '2023-01-01' + (i || ' minutes')::interval + (v || ' seconds')::interval
        from generate_series(${first}::int, ${last}::int) i
        cross join generate_series(1, 4) v
        order by i, v`.execute(trx),
    );
  }
  await sql`analyze eventstore.events`.execute(db);
  say(`seeded the event store: ${pocsForReplay * 4} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // --- the service ----------------------------------------------------------------------------------
  const issuer = await createTestIssuer();
  jwks.on('request', (_req, res) => res.end(JSON.stringify(issuer.jwks)));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
  service = startProcess('services/reports/src/server.ts', {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: url,
    JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`,
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: 'warn',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntilOk(`${base}/health/ready`, 60_000);
  const pid = service.pid!;
  // CPU seconds the service spent (user + system, from /proc): on a shared machine, wall time depends on the neighbours, this does not.
  const cpuSeconds = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const auth = async (tenantId: string) => ({ authorization: `Bearer ${await issuer.token({ tenantId, roles: ['analyst'] })}` });

  /** Stream a download, counting bytes and lines, sampling the service's RSS meanwhile. */
  const download = async (path: string, tenantId: string) => {
    const headers = await auth(tenantId);
    let peak = rssMb();
    const before = peak;
    const cpuBefore = cpuSeconds();
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 50);
    const started = performance.now();
    const res = await fetch(`${base}${path}`, { headers });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      // indexOf, not a loop over every byte: the client shares the two cores with the service it measures.
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, rssMb());
    return { seconds, bytes, lines, before, peak, cpu: cpuSeconds() - cpuBefore };
  };

  // Warm-up (JIT, pools, fonts).
  await download('/v1/reports/pocs.csv', smallTenant);
  await download('/v1/reports/pocs.pdf?year=2025', pdfTenant);

  // --- 1. CSV ---------------------------------------------------------------------------------------
  const small = await download('/v1/reports/pocs.csv', smallTenant);
  const big = await download('/v1/reports/pocs.csv', csvTenant);
  // Again, four times: a heap that only grew until the collector caught up stays where it is; a leak grows each time.
  const again: Awaited<ReturnType<typeof download>>[] = [];
  for (let i = 0; i < 4; i++) again.push(await download('/v1/reports/pocs.csv', csvTenant));
  const rows = big.lines - 1;
  // Peer: the same keyset pages straight from PostgreSQL.
  let peerRows = 0;
  const peerStarted = performance.now();
  {
    let after: { k: string; id: string } | null = null;
    for (;;) {
      const page: { rows: { id: string; k: string; poc: unknown }[] } = await sql<{ id: string; k: string; poc: unknown }>`
        select id, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as k, poc from ${sql.id(tenantSchemaName(csvTenant), ANALYTICS_POCS)}
        where deleted_at is null ${after ? sql`and (created_at, id) < (${after.k}::timestamptz, ${after.id}::uuid)` : sql``}
        order by created_at desc, id desc limit 1000`.execute(db);
      peerRows += page.rows.length;
      if (page.rows.length < 1000) break;
      const last = page.rows[page.rows.length - 1]!;
      after = { k: last.k, id: last.id };
    }
  }
  const peerSeconds = (performance.now() - peerStarted) / 1000;

  // --- 2. PDF ---------------------------------------------------------------------------------------
  const pdfRuns = [];
  for (let i = 0; i < 3; i++) pdfRuns.push(await download('/v1/reports/pocs.pdf?year=2025', pdfTenant));
  const pdf = pdfRuns.sort((a, b) => a.seconds - b.seconds)[1]!;

  // --- 3. as-of replay -----------------------------------------------------------------------------
  const asOf = new Date().toISOString();
  const replayStarted = performance.now();
  const replayCpu = cpuSeconds();
  const summaryRes = await fetch(`${base}/v1/reports/summary?asOf=${encodeURIComponent(asOf)}`, { headers: await auth(replayTenant) });
  const summary = (await summaryRes.json()) as { totals: { pocs: number } };
  const replaySeconds = (performance.now() - replayStarted) / 1000;
  const replayCpuSeconds = cpuSeconds() - replayCpu;
  if (summary.totals.pocs !== pocsForReplay) throw new Error(`the replay counted ${summary.totals.pocs} POCs, not ${pocsForReplay}`);
  // Peer: the same events read through the event store, not folded.
  const store = new PostgresEventStore(db, { url });
  const readStarted = performance.now();
  let read = 0;
  let cursor: string | null = null;
  for (;;) {
    const batch = await store.readAll(cursor, { tenantId: replayTenant, until: new Date(asOf), limit: 10_000 });
    if (batch.length === 0) break;
    read += batch.length;
    cursor = batch[batch.length - 1]!.cursor;
  }
  const readSeconds = (performance.now() - readStarted) / 1000;
  // And through its history scan (what the replay reads with), not folded either.
  const scanStarted = performance.now();
  const scanned = await store.readHistory(replayTenant, { until: new Date(asOf) }, () => undefined);
  const scanSeconds = (performance.now() - scanStarted) / 1000;
  await store.close();

  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  say(`\nload average at the end: ${load} (on ${(await import('node:os')).cpus().length} cores); service CPU seconds are what it spent, whatever the neighbours`);
  say('| measure | figure | service CPU | goal | peer in the same run |');
  say('| --- | ---: | ---: | ---: | --- |');
  say(`| CSV export, ${rows} POCs (${(big.bytes / 1e6).toFixed(1)} MB) | ${(rows / big.seconds).toFixed(0)} rows/s (${big.seconds.toFixed(2)} s) | ${big.cpu.toFixed(2)} s: ${(rows / big.cpu).toFixed(0)} rows per CPU-second | ≥ 20,000 rows/s | keyset pages straight from PostgreSQL: ${(peerRows / peerSeconds).toFixed(0)} rows/s |`);
  say(`| service RSS during the export of ${rows} POCs | peak ${big.peak.toFixed(0)} MB (${big.before.toFixed(0)} MB before); 4 more exports: peaks ${again.map((a) => a.peak.toFixed(0)).join(' / ')} MB | | flat | ${small.lines - 1} POCs: peak ${small.peak.toFixed(0)} MB |`);
  say(`| PDF, a year with ${PDF_POCS} POCs (${(pdf.bytes / 1e6).toFixed(1)} MB), median of 3 | ${pdf.seconds.toFixed(2)} s | ${pdf.cpu.toFixed(2)} s | < 5 s | |`);
  say(`| summary as of now, replaying ${read} events | ${(read / replaySeconds).toFixed(0)} events/s (${replaySeconds.toFixed(2)} s) | ${replayCpuSeconds.toFixed(2)} s: ${(read / replayCpuSeconds).toFixed(0)} events per CPU-second | ≥ 50,000 events/s | reading them alone: ${(read / readSeconds).toFixed(0)} events/s paging \`readAll\`, ${(scanned.events / scanSeconds).toFixed(0)} events/s through \`readHistory\` |`);
} finally {
  service?.kill('SIGTERM');
  jwks.close();
  await db.destroy();
  await new Promise((r) => setTimeout(r, 500));
  await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
  await admin.end();
}
