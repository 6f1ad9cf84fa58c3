/**
 * The dojo sync server under load, beside the reference servers in the same
 * run (issue #7): 200 stock clients in 50 rooms, each sending an edit every
 * 200 ms; broadcast latency (sender's edit → every other client of the room
 * has it) p50/p99, and each server's CPU and RSS. Then 2,000 idle connections
 * on one dojo process and its RSS.
 *
 *   pnpm bench:dojo     (DATABASE_URL, else the local PostgreSQL on :5432; BENCH_SECONDS, BENCH_CLIENTS, BENCH_ROOMS, BENCH_IDLE)
 *
 * Each server runs alone in its own process, one after the other (2 cores),
 * in rounds. Ours appends every update to PostgreSQL (the room's other
 * clients get it at once, the author's echo and other processes once it is
 * committed); the references keep documents in memory only. Our PostgreSQL
 * backends' CPU is shown apart.
 */
import { readFileSync } from 'node:fs';
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
const ports = { ours: 19101, yws: 19102, hocus: 19103 };
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
  return startProcess('services/dojo/src/server.ts', {
    PORT: String(ports.ours),
    HOST: '127.0.0.1',
    DATABASE_URL: dbUrl.toString(),
    JWKS_URL: jwksUrl,
    RATE_LIMIT_PER_MINUTE: '100000000',
    DOJO_MESSAGES_PER_SECOND: '100',
  });
}

async function createRooms(): Promise<string[]> {
  const token = await issuer.token({ tenantId, roles: ['member'] });
  const ids: string[] = [];
  for (let i = 0; i < roomCount; i++) {
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
  const deadline = Date.now() + 60_000;
  while (!clients.every((c) => c.synced())) {
    if (Date.now() > deadline) throw new Error(`${name}: clients did not sync`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const latencies: number[] = [];
  let recording = false;
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
  const self0 = process.cpuUsage();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = ((cpuTicks(pid) - ticks0) / TICK / elapsed) * 100;
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

const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const results: Awaited<ReturnType<typeof measure>>[] = [];
const children: ChildProcess[] = [];
try {
  // Rooms and tokens for our server (the references take any room name: the same ids).
  const setup = startOurs();
  children.push(setup);
  await waitUntilOk(`http://127.0.0.1:${ports.ours}/health/ready`);
  const rooms = await createRooms();
  const tokens = await Promise.all(Array.from({ length: Math.max(clientCount, idleCount) }, () => issuer.token({ tenantId, roles: ['member'], expiresIn: '1h' })));
  setup.kill('SIGTERM');
  await new Promise((r) => setup.once('exit', r));
  const pgPids = async () =>
    (await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 and application_name = 'dojo'`, [dbName])).rows.map((r) => r.pid);

  // Rounds take the servers in turn, so a noisy moment of a shared machine does not land on one server only.
  for (let round = 0; round < rounds; round++) {
    if (only.includes('ours')) {
      const ours = startOurs();
      children.push(ours);
      await waitUntilOk(`http://127.0.0.1:${ports.ours}/health/ready`);
      results.push(await measure('dojo (ours: every update appended to PostgreSQL)', ours.pid!, async (room, i) => wsClient(`ws://127.0.0.1:${ports.ours}/v1/dojos`, `${room}/sync`, { token: tokens[i]! }), rooms, pgPids));
      ours.kill('SIGTERM');
      await new Promise((r) => ours.once('exit', r));
    }
    if (only.includes('yws')) {
      const yws = startProcess('bench/fixtures/y-websocket-server.ts', { PORT: String(ports.yws) });
      children.push(yws);
      await waitUntilOk(`http://127.0.0.1:${ports.yws}/`);
      results.push(await measure('@y/websocket-server 0.1.1 (in memory)', yws.pid!, async (room) => wsClient(`ws://127.0.0.1:${ports.yws}`, `r${round}-${room}`, {}), rooms));
      yws.kill('SIGTERM');
      await new Promise((r) => yws.once('exit', r));
    }
    if (only.includes('hocus')) {
      const hocus = startProcess('bench/fixtures/hocuspocus.ts', { PORT: String(ports.hocus) });
      children.push(hocus);
      await waitUntilOk(`http://127.0.0.1:${ports.hocus}/`);
      results.push(
        await measure('@hocuspocus/server 4 (in memory)', hocus.pid!, async (room) => {
          const doc = new Y.Doc();
          const provider = new HocuspocusProvider({ url: `ws://127.0.0.1:${ports.hocus}`, name: `r${round}-${room}`, document: doc, WebSocketPolyfill: WebSocket } as ConstructorParameters<typeof HocuspocusProvider>[0]);
          return { doc, synced: () => provider.isSynced, destroy: () => { provider.destroy(); doc.destroy(); } };
        }, rooms),
      );
      hocus.kill('SIGTERM');
      await new Promise((r) => hocus.once('exit', r));
    }
  }

  console.log(`\nBroadcast latency, ${clientCount} clients in ${roomCount} rooms, an edit every ${editEveryMs} ms each, ${seconds} s measured after ${warmup} s warm-up, ${rounds} round(s), ${new Date().toISOString()}\n`);
  console.log('| server | p50 ms | p99 ms | max ms | samples | server CPU % | PostgreSQL CPU % | RSS MiB | peak RSS MiB | load client CPU % |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.samples} | ${r.cpu.toFixed(0)} | ${r.pgCpu === null ? '-' : r.pgCpu.toFixed(0)} | ${r.rss.toFixed(0)} | ${r.hwm.toFixed(0)} | ${r.benchCpu.toFixed(0)} |`);
  }
  if (rounds > 1) {
    console.log(`\nAll rounds pooled:\n`);
    console.log('| server | p50 ms | p99 ms | samples | server CPU % (mean) | RSS MiB (max) |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const name of [...new Set(results.map((r) => r.name))]) {
      const mine = results.filter((r) => r.name === name);
      const all = mine.flatMap((r) => r.latencies).sort((a, b) => a - b);
      const cpu = mine.reduce((sum, r) => sum + r.cpu, 0) / mine.length;
      console.log(`| ${name} | ${percentile(all, 50).toFixed(2)} | ${percentile(all, 99).toFixed(2)} | ${all.length} | ${cpu.toFixed(0)} | ${Math.max(...mine.map((r) => r.rss)).toFixed(0)} |`);
    }
  }
  console.log(`(machine load average at the end: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}, ${(await import('node:os')).cpus().length} cores)`);
  if (!only.includes('idle')) throw new Error('skip idle');

  // 4. idle connections on one dojo process
  const idle = startOurs();
  children.push(idle);
  await waitUntilOk(`http://127.0.0.1:${ports.ours}/health/ready`);
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
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  jwksServer.close();
  await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
  await admin.end();
  process.exit(process.exitCode ?? 0);
}
