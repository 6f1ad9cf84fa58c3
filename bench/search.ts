/**
 * `pnpm bench:search`: POC search at scale, for each search adapter.
 *
 * One tenant with BENCH_POCS (100,000) POCs and BENCH_OTHER_TENANTS (10)
 * other tenants with BENCH_OTHER_POCS (2,000) each, written as events
 * (creations, tags, status changes) into the event store. Then, per adapter
 * (PostgreSQL; OpenSearch from OPENSEARCH_URL, else the local runtime of
 * `pnpm engines`):
 *  1. rebuild the POC projection from position zero (read model + index): events/s;
 *  2. a mix of queries (text, prefix, typo, filters, facets), each sent through
 *     the query API (HTTP, token, JSON) and the same request sent straight to
 *     the engine (the SQL the adapter ran / the _search body), interleaved:
 *     p50/p99 of both and the ratio;
 *  3. event-to-searchable lag: POCs appended while the live projector runs,
 *     each polled in the search index until found: p50/p99.
 *
 *   pnpm bench:search                       (DATABASE_URL, else its own embedded PostgreSQL under .data/)
 *   BENCH_POCS=20000 pnpm bench:search      (a smaller run)
 *   BENCH_ADAPTERS=postgres pnpm bench:search
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import {
  OpenSearchSearch,
  type OpenSearchClient,
  PostgresEventStore,
  PostgresLogEventBus,
  PostgresSearch,
  type SearchPort,
  type SearchQuery,
  asSystem,
  createDatabase,
  createOpenSearchClient,
  startEmbeddedPostgres,
} from '@poc/platform';
// Imported by path: the testing entry point also loads the vitest contract suites.
import { createTestIssuer } from '../services/platform/src/testing/tokens.ts';
import { Projector, migrateProjections, pocProjection, postgresLogSource, projectionChannel, rebuildProjection } from '@poc/projections';
import { buildApp } from '../services/query/src/app.ts';
import { ListeningWaiter } from '../services/query/src/consistency.ts';
import { loadServiceEnv } from '../services/query/src/env.ts';
import { LANGUAGES, STATUSES, TECH, generatePocs, rng } from './search-data.ts';

const POCS = Number(process.env.BENCH_POCS ?? 100_000);
const OTHER_TENANTS = Number(process.env.BENCH_OTHER_TENANTS ?? 10);
const OTHER_POCS = Number(process.env.BENCH_OTHER_POCS ?? 2_000);
const PER_CLASS = Number(process.env.BENCH_QUERIES_PER_CLASS ?? 100);
const LAG_SAMPLES = Number(process.env.BENCH_LAG_SAMPLES ?? 100);
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'postgres,opensearch').split(',');
// A PostgreSQL of its own by default: the log's commit-safe reads wait for the oldest open transaction
// of the whole cluster, so other work on a shared server would show up as projection lag.
let stopPostgres: (() => Promise<void>) | undefined;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  const embedded = await startEmbeddedPostgres({ dataDir: join(process.cwd(), '.data', 'bench-postgres'), port: Number(process.env.BENCH_POSTGRES_PORT ?? 54331) });
  adminUrl = embedded.url;
  stopPostgres = embedded.stop;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

// --- a fresh database ---------------------------------------------------------------------------
const dbName = `bench_search_${Date.now().toString(36)}`;
{
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`create database ${dbName}`);
  await c.end();
}
const url = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
// The SQL the Postgres adapter runs for a request is recorded (a search is a few statements, some run
// side by side), to send the same statements straight to PostgreSQL the same way: a statement that
// started after others had finished waits for them, the rest run side by side.
let recorded: { sql: string; parameters: readonly unknown[]; start: number; end: number }[] = [];
const pool = new pg.Pool({ connectionString: url, max: 10 });
const db = new Kysely<unknown>({
  dialect: new PostgresDialect({ pool }),
  log: (event) => {
    const end = performance.now();
    if (event.level === 'query') recorded.push({ sql: event.query.sql, parameters: event.query.parameters, start: end - event.queryDurationMillis, end });
  },
});
/** The recorded statements in waves: a statement that started after every one of the current wave had finished opens the next. */
function waves(statements: typeof recorded): (typeof recorded)[] {
  const out: (typeof recorded)[] = [];
  let waveEnd = -Infinity;
  for (const q of [...statements].sort((a, b) => a.start - b.start)) {
    if (q.start >= waveEnd) {
      out.push([q]);
      waveEnd = q.end;
    } else {
      out[out.length - 1]!.push(q);
      waveEnd = Math.max(waveEnd, q.end);
    }
  }
  return out;
}
const rawPool = new pg.Pool({ connectionString: url, max: 10 });
const writerDb = createDatabase({ url, max: 4, applicationName: 'bench-writer' });
await PostgresEventStore.migrate(writerDb);
await migrateProjections(writerDb);
await PostgresSearch.migrate(writerDb);
const store = new PostgresEventStore(writerDb, { url });

// --- events ---------------------------------------------------------------------------------------
const main = randomUUID();
const others = Array.from({ length: OTHER_TENANTS }, () => randomUUID());
let eventCount = 0;
async function seed(tenantId: string, count: number, seed: number): Promise<void> {
  const random = rng(seed + 1);
  const pocs = generatePocs(count, seed);
  for (let start = 0; start < pocs.length; start += 2_000) {
    const rows: unknown[] = [];
    for (const poc of pocs.slice(start, start + 2_000)) {
      const id = uuidv7();
      const user = `user:${randomUUID()}`;
      const base = { tenant_id: tenantId, stream_id: `poc-${id}`, actor: user, correlation_id: 'bench', occurred_at: poc.createdAt };
      const events: { type: string; data: unknown }[] = [
        { type: 'poc.created', data: { name: poc.name, description: poc.description, languages: poc.languages, tags: poc.tags.slice(0, 1), repoUrl: poc.repoUrl, status: 'idea', startedAt: null, finishedAt: null } },
      ];
      if (poc.tags.length > 1) events.push({ type: 'poc.tagged', data: { tags: poc.tags.slice(1) } });
      if (poc.status !== 'idea') events.push({ type: 'poc.status_changed', data: { from: 'idea', to: poc.status } });
      if (random() < 0.2) events.push({ type: 'poc.updated', data: { description: `${poc.description} Updated.` } });
      events.forEach((e, i) => rows.push({ ...base, id: uuidv7(), version: i + 1, type: e.type, schema_version: e.type === 'poc.created' ? 2 : 1, data: e.data }));
    }
    eventCount += rows.length;
    await asSystem(writerDb, (trx) =>
      sql`insert into eventstore.events (id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, occurred_at)
        select id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, occurred_at
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, tenant_id uuid, stream_id text, version int, type text,
          schema_version int, data jsonb, actor text, correlation_id text, occurred_at timestamptz)`.execute(trx),
    );
  }
}
const t0 = performance.now();
await seed(main, POCS, 42);
for (const [i, tenant] of others.entries()) await seed(tenant, OTHER_POCS, 1000 + i);
say(`seeded ${eventCount} events (${POCS} POCs in one tenant, ${OTHER_TENANTS} other tenants with ${OTHER_POCS}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// --- the query mix ---------------------------------------------------------------------------------
const random = rng(99);
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
const typo = (w: string) => {
  const i = 1 + Math.floor(random() * (w.length - 2));
  return random() < 0.5 ? w.slice(0, i) + w.slice(i + 1) : w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
};
const longTech = TECH.filter((w) => w.length >= 6);
const mix: { kind: string; query: SearchQuery }[] = [];
for (let i = 0; i < PER_CLASS; i++) {
  mix.push({ kind: 'text', query: { q: random() < 0.5 ? pick(TECH) : `${pick(TECH)} ${pick(['operator', 'pipeline', 'gateway', 'dashboard', 'exporter', 'connector'])}`, limit: 20 } });
  mix.push({ kind: 'prefix', query: { q: pick(longTech).slice(0, 3 + Math.floor(random() * 2)), limit: 20 } });
  mix.push({ kind: 'typo', query: { q: typo(pick(longTech)), limit: 20 } });
  mix.push({ kind: 'filters', query: { languages: [pick(LANGUAGES.slice(0, 8))], status: pick(STATUSES), limit: 20 } });
  mix.push({ kind: 'facets', query: { q: pick(TECH), tags: [pick(['backend', 'data', 'devops', 'api', 'infra'])], languages: [pick(LANGUAGES.slice(0, 5)), pick(LANGUAGES.slice(0, 5))], limit: 20 } });
}
const toQueryString = (q: SearchQuery) => {
  const p = new URLSearchParams();
  if (q.q) p.set('q', q.q);
  for (const l of q.languages ?? []) p.append('language', l);
  for (const t of q.tags ?? []) p.append('tag', t);
  if (q.status) p.set('status', q.status);
  p.set('limit', String(q.limit));
  return p.toString();
};

interface Row {
  adapter: string;
  kind: string;
  api: number[];
  raw: number[];
}
const slowest: { adapter: string; query: string; api: number; raw: number }[] = [];
const results: Row[] = [];
const rebuilds: { adapter: string; events: number; seconds: number; phases: { replay: number; prepare: number; swap: number } }[] = [];
const lags: { adapter: string; samples: number[] }[] = [];

async function runAdapter(name: string, search: SearchPort, replay: () => Promise<void>): Promise<void> {
  say(`\n[${name}] rebuilding the POC projection from position zero...`);
  const projection = pocProjection({ db: writerDb, search, store });
  // Every tenant is registered first, so the rebuild covers them all.
  for (const tenant of [main, ...others]) {
    await sql`insert into projections.tenants (tenant_id) values (${tenant}) on conflict do nothing`.execute(writerDb);
    await search.provisionTenant(tenant);
  }
  const rebuilt = await rebuildProjection({ db: writerDb, store, projection, batchSize: 5_000, logSource: 'log:0', concurrency: Number(process.env.BENCH_REBUILD_CONCURRENCY ?? 2) });
  rebuilds.push({ adapter: name, events: rebuilt.events, seconds: rebuilt.seconds, phases: rebuilt.phases });
  say(`[${name}] rebuilt ${rebuilt.events} events in ${rebuilt.seconds.toFixed(1)} s: ${(rebuilt.events / rebuilt.seconds).toFixed(0)} events/s`);

  // The query service, listening on a port, as the edge would call it.
  const issuer = await createTestIssuer();
  const waiter = new ListeningWaiter(url, projectionChannel('pocs'));
  const app = await buildApp({
    env: loadServiceEnv({ DATABASE_URL: url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '100000000' }),
    db,
    search,
    verifier: issuer.verifier,
    waiter,
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const token = await issuer.token({ tenantId: main });
  const headers = { authorization: `Bearer ${token}` };

  // Warm up, then measure: each query through the API, then the same request straight to the engine.
  for (const { query } of mix.slice(0, 50)) {
    recorded = [];
    await fetch(`${base}/v1/pocs?${toQueryString(query)}`, { headers }).then((r) => r.arrayBuffer());
    await replay();
  }
  const byKind = new Map<string, Row>();
  for (const { kind, query } of mix) {
    const row = byKind.get(kind) ?? { adapter: name, kind, api: [], raw: [] };
    byKind.set(kind, row);
    recorded = [];
    let started = performance.now();
    const res = await fetch(`${base}/v1/pocs?${toQueryString(query)}`, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`API answered ${res.status} for ${toQueryString(query)}`);
    row.api.push(performance.now() - started);
    started = performance.now();
    await replay();
    row.raw.push(performance.now() - started);
    slowest.push({ adapter: name, query: toQueryString(query), api: row.api[row.api.length - 1]!, raw: row.raw[row.raw.length - 1]! });
  }
  results.push(...byKind.values());

  // Event-to-searchable lag, with the live projector running.
  const bus = new PostgresLogEventBus(writerDb, store);
  const projector = new Projector({ db: writerDb, bus, projection, sourceOf: postgresLogSource, maxBatch: 500 });
  await projector.start();
  const samples: number[] = [];
  // The first probes only wake the projector up (its LISTEN connection, cold caches): not counted.
  const WARMUP = 5;
  for (let i = 0; i < LAG_SAMPLES + WARMUP; i++) {
    const word = `lagprobe${name}${i}x${Math.random().toString(36).slice(2, 8)}`;
    const id = uuidv7();
    const started = performance.now();
    await store.append(`poc-${id}`, 'no_stream', [{ type: 'poc.created', schemaVersion: 2, data: { name: `Probe ${word}`, description: '', languages: [], tags: [], repoUrl: null, status: 'idea', startedAt: null, finishedAt: null } }], {
      tenantId: main,
      actor: `user:${randomUUID()}`,
      correlationId: 'bench-lag',
    });
    for (;;) {
      if ((await search.search(main, { q: word, limit: 1 })).total > 0) break;
      if (performance.now() - started > 30_000) throw new Error('a probe never became searchable');
      await new Promise((r) => setTimeout(r, 5));
    }
    if (i >= WARMUP) samples.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
  lags.push({ adapter: name, samples });
  await projector.stop();
  await bus.close();
  await app.close();
  await waiter.close();
}

// --- PostgreSQL ---------------------------------------------------------------------------------
if (ADAPTERS.includes('postgres')) {
  const search = new PostgresSearch(db);
  await runAdapter('postgres', search, async () => {
    for (const wave of waves(recorded)) await Promise.all(wave.map((q) => rawPool.query(q.sql, q.parameters as unknown[])));
  });
}

// --- OpenSearch -----------------------------------------------------------------------------------
if (ADAPTERS.includes('opensearch')) {
  let osUrl = process.env.OPENSEARCH_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!osUrl) {
    try {
      const { startOpenSearch } = await import('../scripts/engines/opensearch.ts');
      say('\nstarting OpenSearch from the local runtime (scripts/engines)...');
      const os = await startOpenSearch({ dataDir: join(process.cwd(), '.data', 'bench-opensearch') });
      osUrl = os.url;
      stop = os.stop;
    } catch (error) {
      say(`\nOpenSearch skipped: set OPENSEARCH_URL or run pnpm engines (${String(error)})`);
    }
  }
  if (osUrl) {
    const client = createOpenSearchClient({ url: osUrl });
    let lastBody: unknown;
    let lastPath = '';
    const recording: OpenSearchClient = {
      request: (method, path, body) => {
        if (path.endsWith('/_search')) {
          lastPath = path;
          lastBody = body;
        }
        return client.request(method, path, body);
      },
    };
    const prefix = `bench-${Date.now().toString(36)}`;
    const search = new OpenSearchSearch(recording, { indexPrefix: prefix });
    await runAdapter('opensearch', search, async () => {
      const res = await fetch(`${osUrl}${lastPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(lastBody) });
      await res.arrayBuffer();
    });
    await client.request('DELETE', `/${prefix}-*`);
    await stop?.();
  }
}

// --- report -----------------------------------------------------------------------------------------
say('\n## Search API vs the engine, same queries, same run (ms, sequential requests)\n');
say('| adapter | queries | API p50 | API p99 | engine p50 | engine p99 | API p99 / engine p99 |');
say('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const adapter of ADAPTERS) {
  const rows = results.filter((r) => r.adapter === adapter);
  if (rows.length === 0) continue;
  const all = { adapter, kind: 'all', api: rows.flatMap((r) => r.api), raw: rows.flatMap((r) => r.raw) };
  for (const r of [...rows, all]) {
    const api = [...r.api].sort((a, b) => a - b);
    const raw = [...r.raw].sort((a, b) => a - b);
    say(`| ${adapter} | ${r.kind} (${api.length}) | ${pct(api, 50).toFixed(1)} | ${pct(api, 99).toFixed(1)} | ${pct(raw, 50).toFixed(1)} | ${pct(raw, 99).toFixed(1)} | ${(pct(api, 99) / pct(raw, 99)).toFixed(2)}x |`);
  }
}
say('\nSlowest requests (engine ms / API ms):');
for (const adapter of ADAPTERS) {
  const top = slowest.filter((x) => x.adapter === adapter).sort((a, b) => b.raw - a.raw).slice(0, 5);
  for (const x of top) say(`- ${adapter}: ${x.raw.toFixed(1)} / ${x.api.toFixed(1)}  ${x.query}`);
}
say('\n## Rebuild from position zero (read model + search index)\n');
for (const r of rebuilds) {
  const p = r.phases;
  say(`- ${r.adapter}: ${r.events} events in ${r.seconds.toFixed(1)} s = ${(r.events / r.seconds).toFixed(0)} events/s ` +
    `(replay ${p.replay.toFixed(1)} s = ${(r.events / p.replay).toFixed(0)} events/s, prepare ${p.prepare.toFixed(1)} s, locked catch-up and swap ${p.swap.toFixed(1)} s)`);
}
say('\n## Event-to-searchable lag (append committed → found by search)\n');
for (const l of lags) {
  const s = [...l.samples].sort((a, b) => a - b);
  say(`- ${l.adapter}: p50 ${pct(s, 50).toFixed(0)} ms, p99 ${pct(s, 99).toFixed(0)} ms, max ${s[s.length - 1]!.toFixed(0)} ms (${s.length} POCs)`);
}

await store.close();
await writerDb.destroy();
await db.destroy();
await rawPool.end();
{
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`drop database if exists ${dbName} with (force)`);
  await c.end();
}
await stopPostgres?.();
