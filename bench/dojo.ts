/**
 * The dojo sync server under load, beside the reference servers in the same
 * run (issue #7): 200 stock clients in 50 rooms, each sending an edit every
 * 200 ms; broadcast latency (sender's edit → every other client of the room
 * has it) p50/p99, and each server's CPU and RSS. Then 2,000 idle connections
 * on one dojo process and its RSS.
 *
 *   pnpm bench:dojo     (DATABASE_URL, else the local PostgreSQL on :5432; BENCH_ROUNDS, BENCH_SECONDS, BENCH_CLIENTS, BENCH_ROOMS, BENCH_IDLE, BENCH_ONLY)
 *
 * Each server runs alone in its own process, one after the other (2 cores),
 * in interleaved rounds (A B C, B C A, C A B, ...), each round on fresh
 * documents; the report gives every round and, per server, the median of its
 * rounds, so a noisy moment of the shared machine hits every server alike. Ours appends every update to PostgreSQL (the room's other
 * clients get it at once, other processes once it is committed; the stock
 * clients do not ask for the author's echo, `?ack=true`); the references keep
 * documents in memory only. Our PostgreSQL
 * backends' CPU is shown apart.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { HocuspocusProvider } from '@hocuspocus/provider';
import * as encoding from 'lib0/encoding';
// The token issuer alone: the testing index also loads vitest's contract suites.
import { createTestIssuer } from '../services/platform/src/testing/tokens.ts';
import { startProcess, waitUntilOk } from './lib.ts';

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const clientCount = Number(process.env.BENCH_CLIENTS ?? 200);
const roomCount = Number(process.env.BENCH_ROOMS ?? 50);
const idleCount = Number(process.env.BENCH_IDLE ?? 2000);
const editEveryMs = 200;
// Free ports picked now: other benches on this machine use fixed ones.
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}
const ports = { ours: await freePort(), yws: await freePort(), hocus: await freePort() };
const only = (process.env.BENCH_ONLY ?? 'ours,yws,hocus,idle').split(',');
const now = () => performance.timeOrigin + performance.now();
const TICK = 100; // clock ticks per second of /proc/<pid>/stat

function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}
/** user and system ticks of each thread of a process, by thread name (`main` for the main thread). */
function threadTicks(pid: number): Map<string, { user: number; sys: number }> {
  const out = new Map<string, { user: number; sys: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const entry = out.get(name) ?? { user: 0, sys: 0 };
      entry.user += Number(fields[11]);
      entry.sys += Number(fields[12]);
      out.set(name, entry);
    } catch {
      // the thread ended
    }
  }
  return out;
}
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface BenchClient {
  doc: Y.Doc;
  destroy(): void;
  synced(): boolean;
}

// --- the database of our server and its tokens ---
const dbName = `dojo_bench_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);
const dbUrl = new URL(adminUrl);
dbUrl.pathname = `/${dbName}`;
const issuer = await createTestIssuer();
const jwksServer = createServer((_req, res) => res.end(JSON.stringify(issuer.jwks)));
await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
const tenantId = randomUUID();

function startOurs(): ChildProcess {
  return startProcess(`${process.env.BENCH_OURS_SRC ?? 'services/dojo/src'}/server.ts`, {
    PORT: String(ports.ours),
    HOST: '127.0.0.1',
    DATABASE_URL: dbUrl.toString(),
    JWKS_URL: jwksUrl,
    RATE_LIMIT_PER_MINUTE: '100000000',
    DOJO_MESSAGES_PER_SECOND: '100',
    // BENCH_OURS_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/dojo-prof' profiles our server under the load
  }, process.env.BENCH_OURS_NODE_ARGS?.split(' ').filter(Boolean));
}

async function createRooms(count = roomCount): Promise<string[]> {
  const token = await issuer.token({ tenantId, roles: ['member'] });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`http://127.0.0.1:${ports.ours}/v1/dojos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: `bench ${i}`, language: 'ts', rotationMinutes: 60 }),
    });
    if (res.status !== 201) throw new Error(`create dojo: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { id: string }).id);
  }
  return ids;
}

type Factory = (room: string, i: number) => Promise<BenchClient>;

async function measure(name: string, pid: number, factory: Factory, rooms: string[], pgPids?: () => Promise<number[]>) {
  const clients: BenchClient[] = [];
  for (let i = 0; i < clientCount; i++) clients.push(await factory(rooms[i % rooms.length]!, i));
  // A join storm on a busy 2-core machine: every client authenticates and joins (database round trips).
  const deadline = Date.now() + 180_000;
  while (!clients.every((c) => c.synced())) {
    if (Date.now() > deadline) throw new Error(`${name}: ${clients.filter((c) => !c.synced()).length} of ${clients.length} clients did not sync within 180 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const latencies: number[] = [];
  let recording = false;
  let edits = 0;
  const timers: NodeJS.Timeout[] = [];
  clients.forEach((c, i) => {
    const stamps = c.doc.getMap<number>('bench');
    const text = c.doc.getText('code');
    stamps.observe((event) => {
      if (!recording || event.transaction.local) return;
      const t = now();
      for (const key of event.keysChanged) latencies.push(t - (stamps.get(key) ?? t));
    });
    const start = setTimeout(() => {
      timers.push(
        setInterval(() => {
          if (recording) edits++;
          c.doc.transact(() => {
            text.insert(Math.floor(Math.random() * (text.length + 1)), `e${i % 10};`);
            stamps.set(String(i), now());
          });
        }, editEveryMs),
      );
    }, Math.random() * editEveryMs);
    timers.push(start);
  });
  await new Promise((r) => setTimeout(r, warmup * 1000));
  recording = true;
  const pgBefore = pgPids ? await pgPids() : [];
  const pgTicksBefore = new Map(pgBefore.map((p) => [p, cpuTicks(p)]));
  const ticks0 = cpuTicks(pid);
  const threads0 = threadTicks(pid);
  const self0 = process.cpuUsage();
  // The load client's own event-loop delay: when it nears the latencies, the round measured the machine, not the server.
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (Date.now() - t0) / 1000;
  lag.disable();
  const cpuSeconds = (cpuTicks(pid) - ticks0) / TICK;
  const threads = [...threadTicks(pid)].map(([name, t]) => {
    const before = threads0.get(name) ?? { user: 0, sys: 0 };
    return { name, user: t.user - before.user, sys: t.sys - before.sys };
  });
  const cpu = (cpuSeconds / elapsed) * 100;
  const editsSent = edits;
  const selfCpu = process.cpuUsage(self0);
  const benchCpu = ((selfCpu.user + selfCpu.system) / 1e6 / elapsed) * 100;
  let pgCpu: number | null = null;
  if (pgPids) {
    let ticks = 0;
    for (const [p, before] of pgTicksBefore) ticks += Math.max(0, cpuTicks(p) - before);
    pgCpu = (ticks / TICK / elapsed) * 100;
  }
  recording = false;
  const mem = memory(pid);
  for (const t of timers) clearInterval(t);
  for (const c of clients) c.destroy();
  latencies.sort((a, b) => a - b);
  return {
    name,
    latencies,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    samples: latencies.length,
    cpu,
    editsPerSecond: editsSent / elapsed,
    clientLagP99: lag.percentile(99) / 1e6,
    // Server CPU time per 1,000 edits received: barely moved by the machine's other load, unlike latency.
    cpuMsPerKiloEdit: (cpuSeconds * 1000 * 1000) / Math.max(1, editsSent),
    // Where that CPU went: user and system time of each thread (ms per 1k edits).
    threads: threads
      .filter((t) => t.user + t.sys > 0)
      .sort((a, b) => b.user + b.sys - (a.user + a.sys))
      .map((t) => `${t.name} ${((t.user * 1000 * 1000) / TICK / Math.max(1, editsSent)).toFixed(0)}+${((t.sys * 1000 * 1000) / TICK / Math.max(1, editsSent)).toFixed(0)}`)
      .join(', '),
    benchCpu,
    pgCpu,
    rss: mem.rss,
    hwm: mem.hwm,
  };
}

const wsClient = (url: string, room: string, params: Record<string, string>): BenchClient => {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, params, disableBc: true });
  return { doc, synced: () => provider.synced, destroy: () => { provider.destroy(); doc.destroy(); } };
};

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
type Result = Awaited<ReturnType<typeof measure>> & { round: number; position: number; load: number };
const results: Result[] = [];
const children: ChildProcess[] = [];
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
try {
  // Rooms and tokens for our server (the references take any room name: the same ids).
  const setup = startOurs();
  children.push(setup);
  await waitUntilOk(`http://127.0.0.1:${ports.ours}/health/ready`, 120_000);
  // Fresh documents in every round (the references start empty each time too).
  const allRooms = await createRooms(roomCount * rounds);
  const roomsOf = (round: number) => allRooms.slice(round * roomCount, (round + 1) * roomCount);
  const rooms = roomsOf(0);
  const tokens = await Promise.all(Array.from({ length: Math.max(clientCount, idleCount) }, () => issuer.token({ tenantId, roles: ['member'], expiresIn: '1h' })));
  setup.kill('SIGTERM');
  await new Promise((r) => setup.once('exit', r));
  const pgPids = async () =>
    (await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 and application_name = 'dojo'`, [dbName])).rows.map((r) => r.pid);

  interface Contender {
    key: string;
    name: string;
    start(): ChildProcess;
    ready: string;
    factory(round: number): Factory;
    pgPids?: () => Promise<number[]>;
  }
  const contenders: Contender[] = [
    {
      key: 'ours',
      name: 'dojo (ours: every update appended to PostgreSQL)',
      start: startOurs,
      ready: `http://127.0.0.1:${ports.ours}/health/ready`,
      factory: () => async (room: string, i: number) => wsClient(`ws://127.0.0.1:${ports.ours}/v1/dojos`, `${room}/sync`, { token: tokens[i]! }),
      pgPids,
    },
    {
      key: 'yws',
      name: '@y/websocket-server 0.1.1 (in memory)',
      start: () => startProcess('bench/fixtures/y-websocket-server.ts', { PORT: String(ports.yws) }, process.env.BENCH_YWS_NODE_ARGS?.split(' ').filter(Boolean)),
      ready: `http://127.0.0.1:${ports.yws}/`,
      factory: (round: number) => async (room: string) => wsClient(`ws://127.0.0.1:${ports.yws}`, `r${round}-${room}`, {}),
    },
    {
      key: 'hocus',
      name: '@hocuspocus/server 4 (in memory)',
      start: () => startProcess('bench/fixtures/hocuspocus.ts', { PORT: String(ports.hocus) }),
      ready: `http://127.0.0.1:${ports.hocus}/`,
      factory: (round: number) => async (room: string) => {
        const doc = new Y.Doc();
        const provider = new HocuspocusProvider({ url: `ws://127.0.0.1:${ports.hocus}`, name: `r${round}-${room}`, document: doc, WebSocketPolyfill: WebSocket } as ConstructorParameters<typeof HocuspocusProvider>[0]);
        return { doc, synced: () => provider.isSynced, destroy: () => { provider.destroy(); doc.destroy(); } };
      },
    },
  ].filter((c) => only.includes(c.key));

  // Interleaved rounds (A B C, B C A, C A B, ...): each server takes each position in turn, so a noisy
  // moment of the shared machine, or a drift of its load over the run, does not land on one server only.
  for (let round = 0; round < rounds; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
    for (const [position, c] of order.entries()) {
      const child = c.start();
      children.push(child);
      await waitUntilOk(c.ready, 120_000);
      const measured = await measure(c.name, child.pid!, c.factory(round), roomsOf(round), c.pgPids);
      results.push({ ...measured, round: round + 1, position: position + 1, load: (await import('node:os')).loadavg()[0]! });
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }

  console.log(`\nBroadcast latency, ${clientCount} clients in ${roomCount} rooms, an edit every ${editEveryMs} ms each, ${seconds} s measured after ${warmup} s warm-up, ${rounds} interleaved round(s), ${new Date().toISOString()}\n`);
  console.log('Per round:\n');
  console.log('| round | # | server | p50 ms | p99 ms | max ms | samples | edits/s | server CPU % | CPU ms / 1k edits | PostgreSQL CPU % | RSS MiB | peak RSS MiB | load client CPU % | load client lag p99 ms | load avg |');
  console.log('| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.round} | ${r.position} | ${r.name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.samples} | ${r.editsPerSecond.toFixed(0)} | ${r.cpu.toFixed(0)} | ${r.cpuMsPerKiloEdit.toFixed(0)} | ${r.pgCpu === null ? '-' : r.pgCpu.toFixed(0)} | ${r.rss.toFixed(0)} | ${r.hwm.toFixed(0)} | ${r.benchCpu.toFixed(0)} | ${r.clientLagP99.toFixed(0)} | ${r.load.toFixed(1)} |`,
    );
  }
  console.log('\nServer CPU ms / 1k edits per thread (user+system):\n');
  for (const r of results) console.log(`- round ${r.round}, ${r.name}: ${r.threads}`);
  console.log(`\nMedian of the ${rounds} round(s) per server (each figure the median of that server's per-round figures):\n`);
  console.log('| server | p50 ms | p99 ms | p99 range ms | server CPU % | CPU ms / 1k edits | PostgreSQL CPU % | RSS MiB | rounds won (p99) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const wins = new Map<string, number>();
  for (let round = 1; round <= rounds; round++) {
    const best = results.filter((r) => r.round === round).sort((a, b) => a.p99 - b.p99)[0];
    if (best) wins.set(best.name, (wins.get(best.name) ?? 0) + 1);
  }
  for (const c of contenders) {
    const mine = results.filter((r) => r.name === c.name);
    const p99s = mine.map((r) => r.p99);
    const pg = mine.map((r) => r.pgCpu).filter((v): v is number => v !== null);
    console.log(
      `| ${c.name} | ${median(mine.map((r) => r.p50)).toFixed(2)} | ${median(p99s).toFixed(2)} | ${Math.min(...p99s).toFixed(1)}–${Math.max(...p99s).toFixed(1)} | ${median(mine.map((r) => r.cpu)).toFixed(0)} | ${median(mine.map((r) => r.cpuMsPerKiloEdit)).toFixed(0)} | ${pg.length ? median(pg).toFixed(0) : '-'} | ${median(mine.map((r) => r.rss)).toFixed(0)} | ${wins.get(c.name) ?? 0} of ${rounds} |`,
    );
  }
  console.log(`(machine load average at the end: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}, ${(await import('node:os')).cpus().length} cores)`);
  if (!only.includes('idle')) throw new Error('skip idle');

  // 4. idle connections on one dojo process
  const idle = startOurs();
  children.push(idle);
  await waitUntilOk(`http://127.0.0.1:${ports.ours}/health/ready`, 120_000);
  const base = memory(idle.pid!);
  const idleRooms = Math.ceil(idleCount / 10);
  const roomIds = rooms.concat(await createRoomsExtra(idleRooms - rooms.length));
  const idleTokens = tokens;
  const sockets: WebSocket[] = [];
  let closedEarly = 0;
  const step1 = (() => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc()));
    return encoding.toUint8Array(e);
  })();
  const t0 = Date.now();
  for (let i = 0; i < idleCount; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, idleCount - i) }, (_, j) => {
        const n = i + j;
        const ws = new WebSocket(`ws://127.0.0.1:${ports.ours}/v1/dojos/${roomIds[n % roomIds.length]}/sync?token=${idleTokens[n]}`);
        sockets.push(ws);
        ws.on('close', () => closedEarly++);
        return new Promise<void>((resolve, reject) => {
          ws.once('message', () => resolve());
          ws.once('open', () => ws.send(step1));
          ws.once('error', reject);
        });
      }),
    );
  }
  const connectSeconds = (Date.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 5000));
  const loaded = memory(idle.pid!);
  console.log(
    `\nIdle: ${sockets.length - closedEarly} of ${idleCount} connections open in ${roomIds.length} rooms of one dojo process (connected in ${connectSeconds.toFixed(1)} s): RSS ${loaded.rss.toFixed(0)} MiB (${base.rss.toFixed(0)} MiB before, peak ${loaded.hwm.toFixed(0)} MiB), goal < 1024 MiB`,
  );
  for (const s of sockets) s.terminate();

  async function createRoomsExtra(n: number): Promise<string[]> {
    const token = await issuer.token({ tenantId, roles: ['member'] });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`http://127.0.0.1:${ports.ours}/v1/dojos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `idle ${i}`, language: 'ts' }),
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    return ids;
  }
} catch (error) {
  if ((error as Error).message !== 'skip idle') {
    console.error(error);
    process.exitCode = 1;
  }
} finally {
  // Each server drains (its rooms stored) before the database goes: dropping it under a draining
  // server only prints that server's errors.
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of running) c.kill('SIGTERM');
  await Promise.race([Promise.all(running.map((c) => new Promise((r) => c.once('exit', r)))), new Promise((r) => setTimeout(r, 20_000))]);
  jwksServer.close();
  await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
  await admin.end();
  process.exit(process.exitCode ?? 0);
}
