/**
 * `pnpm replay --tenant <slug> --projection <name> [--to <time>]` (repository root): an operator's
 * rebuild of a tenant's projection from its history, the same job as `POST /v1/reports/rebuilds`
 * (recorded in `reports.rebuilds`, progress printed). Without `--to` the rebuilt tables replace the
 * live ones; with `--to` the projection is rebuilt as it was at that instant beside the live tables
 * (their suffix is printed), and the summary as of that instant is printed too.
 *
 *   DATABASE_URL=postgres://... pnpm replay --tenant acme --projection analytics
 *   DATABASE_URL=postgres://... pnpm replay --tenant acme --projection analytics --to 2025-06-30T23:59:59Z
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { REBUILDABLE_PROJECTIONS, type RebuildableProjection } from '@poc/contracts';
import { ConfigError, PostgresEventStore, createDatabase } from '@poc/platform';
import { loadServiceEnv } from './env.ts';
import { RebuildJobs, migrateReports } from './rebuilds/jobs.ts';
import { replayCounts } from './summary/replay.ts';
import { toSummary } from './summary/summarise.ts';

const usage = 'usage: pnpm replay --tenant <slug or id> --projection <' + REBUILDABLE_PROJECTIONS.join('|') + '> [--to <RFC 3339 time>]';
const fail = (message: string): never => {
  console.error(`${message}\n${usage}`);
  process.exit(64);
};

const { values } = parseArgs({ options: { tenant: { type: 'string' }, projection: { type: 'string' }, to: { type: 'string' } }, strict: true });
const slug = values.tenant ?? fail('--tenant is required');
const projection = (REBUILDABLE_PROJECTIONS as readonly string[]).includes(values.projection ?? '')
  ? (values.projection as RebuildableProjection)
  : fail(`--projection must be one of: ${REBUILDABLE_PROJECTIONS.join(', ')}`);
const to = values.to === undefined ? undefined : Number.isNaN(Date.parse(values.to)) ? fail('--to must be an RFC 3339 time') : new Date(values.to);

let env;
try {
  env = loadServiceEnv();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
const db = createDatabase({ url: env.DATABASE_URL, max: 4, applicationName: 'reports-replay' });
const store = new PostgresEventStore(db, { url: env.DATABASE_URL });
try {
  await PostgresEventStore.migrate(db);
  await migrateReports(db);
  const found = await sql<{ id: string }>`select id from identity.tenants where slug = ${slug} or id::text = ${slug}`.execute(db).catch(() => ({ rows: [] as { id: string }[] }));
  const tenantId = found.rows[0]?.id ?? (/^[0-9a-f-]{36}$/i.test(slug) ? slug : fail(`no tenant with the slug ${slug}`));
  const jobs = new RebuildJobs({ db, store, batch: env.REPORTS_REPLAY_BATCH, log: (line) => console.log(line) });
  const started = performance.now();
  const job = await jobs.start(tenantId, projection, to ? { until: to } : {});
  console.log(`rebuild ${job.id}: ${projection} of tenant ${tenantId}${to ? ` as of ${to.toISOString()}` : ''}`);
  const timer = setInterval(() => {
    void jobs.get(tenantId, job.id).then((r) => r && console.log(`  ${r.events} of ${r.totalEvents} events (${(r.progress * 100).toFixed(0)} %)`));
  }, 1_000);
  const result = await job.done.finally(() => clearInterval(timer));
  const seconds = (performance.now() - started) / 1000;
  console.log(`${result.status}: ${result.events} events in ${seconds.toFixed(1)} s${result.error ? `: ${result.error}` : ''}`);
  if (to) {
    const scope = { from: null, to: null, member: null };
    const replay = await replayCounts(store, tenantId, to, scope, { batch: env.REPORTS_REPLAY_BATCH });
    console.log(JSON.stringify(toSummary(replay.counts, scope, to.toISOString()), null, 2));
  }
  process.exitCode = result.status === 'done' ? 0 : 1;
} finally {
  await store.close();
  await db.destroy();
}
