/**
 * GET /health/live through the edge, directly on a service, and on a bare
 * Fastify hello-world, side by side in one run (issue: foundation). Also the
 * edge's own /health/live (no upstream), to show what the hop costs.
 * Each server runs in its own process (as `pnpm start` runs them); autocannon
 * runs here. The targets take turns, BENCH_ROUNDS times, so a burst of load
 * from something else on the machine hits every target alike; the table gives
 * each target's median round, the ratio to the bare peer of the same round
 * (median), and the CPU each process spent per request (user + system, from
 * /proc), which is what bounds the throughput when all of them share 2 cores.
 * It ends with that budget: the most each path could serve on this machine's
 * cores, and how much CPU the edge may spend per request for 0.5x of bare.
 *
 *   pnpm bench:edge   BENCH_SECONDS (5) per target and round, BENCH_ROUNDS (3),
 *                     BENCH_CONNECTIONS (32), DATABASE_URL (default: the local
 *                     PostgreSQL on :5432, else an embedded one; pocs migrates a
 *                     fresh database of its own there), BENCH_CPU_PROF=<dir>
 *                     to write a V8 CPU profile of the service and the edge there
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';
import { createTestDatabase } from '../services/platform/src/testing/database.ts';
import { type ChildService, freePort, startChildService } from '../services/pocs/src/testing/child-service.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
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

interface Sample {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU µs per request, by process. */
  cpu: Record<string, number>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

const database = await createTestDatabase('poc_bench_edge');
const children: ChildService[] = [];
try {
  const common = { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '100000000' };
  const hello = await startChildService('bench/fixtures/hello.ts', { env: {}, port: await freePort(), readyPath: '/' });
  children.push(hello);
  const service = await startChildService('services/pocs/src/server.ts', {
    env: { ...common, DATABASE_URL: database.url },
    port: await freePort(),
    readyPath: '/health/live',
    nodeArgs,
  });
  children.push(service);
  // Only pocs runs behind the edge: the edge is then not "ready", so wait for it to be live.
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const edge = await startChildService('services/edge/src/server.ts', {
    env: { ...common, POCS_URL: service.url, IDENTITY_URL: nowhere, QUERY_URL: nowhere, DOJO_URL: nowhere, REPORTS_URL: nowhere, VIDEO_URL: nowhere },
    port: await freePort(),
    readyPath: '/health/live',
    nodeArgs,
  });
  children.push(edge);
  const processes = { hello, service, edge };

  const targets = [
    { name: 'bare fastify hello-world', url: `${hello.url}/` },
    { name: 'service /health/live', url: `${service.url}/health/live` },
    { name: 'edge → service /health/live', url: `${edge.url}/health/services/pocs/live` },
    { name: "edge's own /health/live", url: `${edge.url}/health/live` },
  ] as const;

  const run = async (url: string, seconds: number): Promise<Sample> => {
    const before = Object.fromEntries(Object.entries(processes).map(([name, child]) => [name, cpuMicros(child.process.pid)]));
    const self = process.cpuUsage();
    const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, pipelining: 1 });
    const mine = process.cpuUsage(self);
    const ok = Math.max(1, result['2xx']);
    const cpu: Record<string, number> = {};
    for (const [name, child] of Object.entries(processes)) {
      const used = cpuMicros(child.process.pid) - before[name]!;
      if (used > 0) cpu[name] = used / ok;
    }
    cpu.autocannon = (mine.user + mine.system) / ok;
    return { rate: result['2xx'] / seconds, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts, cpu };
  };

  // Warm up every path (JIT, keep-alive pools), then measure one after the other (2 cores: never two loads at once).
  for (const target of targets) await run(target.url, 2);
  const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) samples.get(target.name)!.push(await run(target.url, SECONDS));
  }

  const bare = samples.get(targets[0].name)!;
  console.log(`\nGET /health/live, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per target, ${new Date().toISOString()}\n`);
  console.log('| target | req/s (median) | p50 ms | p99 ms | errors | vs bare (median of rounds) | rounds req/s | CPU per request (µs) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const target of targets) {
    const rows = samples.get(target.name)!;
    const ratio = median(rows.map((r, i) => r.rate / bare[i]!.rate));
    const names = Object.keys(rows[0]!.cpu);
    const cpu = names.map((n) => `${n} ${median(rows.map((r) => r.cpu[n] ?? 0)).toFixed(0)}`).join(', ');
    console.log(
      `| ${target.name} | ${median(rows.map((r) => r.rate)).toFixed(0)} | ${median(rows.map((r) => r.p50))} | ${median(rows.map((r) => r.p99))} | ${rows.reduce((s, r) => s + r.errors, 0)} | ${ratio.toFixed(2)}x | ${rows.map((r) => r.rate.toFixed(0)).join(' / ')} | ${cpu} |`,
    );
  }

  // The CPU budget: when every process on the path is busy, the rate is bounded by the
  // cores over the CPU all of them spend per request (and by one core over the busiest).
  const cores = availableParallelism();
  const spent = (target: string, name: string) => median(samples.get(target)!.map((r) => r.cpu[name] ?? 0));
  const ceiling = (target: string, names: string[]) => {
    const each = names.map((n) => spent(target, n));
    return Math.min((cores * 1e6) / each.reduce((a, b) => a + b, 0), 1e6 / Math.max(...each));
  };
  const [bareT, serviceT, proxiedT, ownT] = [targets[0].name, targets[1].name, targets[2].name, targets[3].name];
  const bareCeiling = ceiling(bareT, ['hello', 'autocannon']);
  const proxiedCeiling = ceiling(proxiedT, ['autocannon', 'edge', 'service']);
  // 0.5x of the bare ceiling means the three processes together may spend twice what the two bare ones do.
  const threeMay = (2 * cores * 1e6) / bareCeiling;
  const edgeAllowance = threeMay - spent(bareT, 'autocannon') - spent(serviceT, 'service');
  const fmt = (n: number) => n.toFixed(0);
  console.log(`\nCPU budget on ${cores} cores (µs per request, medians):`);
  console.log(`- bare: hello ${fmt(spent(bareT, 'hello'))} + autocannon ${fmt(spent(bareT, 'autocannon'))} → at most ${fmt(bareCeiling)} req/s.`);
  console.log(
    `- through the edge: autocannon ${fmt(spent(proxiedT, 'autocannon'))} + edge ${fmt(spent(proxiedT, 'edge'))} + service ${fmt(spent(proxiedT, 'service'))} → at most ${fmt(proxiedCeiling)} req/s = ${(proxiedCeiling / bareCeiling).toFixed(2)}x of the bare ceiling.`,
  );
  console.log(
    `- 0.5x of bare needs the three to spend at most ${fmt(threeMay)} µs together; after autocannon (${fmt(spent(bareT, 'autocannon'))}, as for bare) and the service (${fmt(spent(serviceT, 'service'))}, as when hit directly) that leaves the edge ${fmt(edgeAllowance)} µs, while it spends ${fmt(spent(ownT, 'edge'))} answering its own /health/live with no upstream at all and ${fmt(spent(proxiedT, 'edge'))} proxying.`,
  );
} finally {
  for (const child of children.reverse()) {
    child.process.kill('SIGTERM');
    await child.exited;
  }
  await database.drop();
}
