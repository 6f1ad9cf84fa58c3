/** Shared helpers for the benches: child processes, readiness, autocannon runs, a table printer. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import autocannon from 'autocannon';

export interface Measured {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

export function startProcess(entry: string, env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

export async function waitUntilOk(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function load(
  name: string,
  url: string,
  options: { connections?: number; durationSeconds?: number; headers?: Record<string, string> } = {},
): Promise<Measured> {
  const result = await autocannon({ url, connections: options.connections ?? 32, duration: options.durationSeconds ?? 10, pipelining: 1, headers: options.headers ?? {} });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

export function printTable(rows: Measured[], baseline?: string): void {
  const base = rows.find((r) => r.name === baseline);
  console.log('| target | req/s | p50 ms | p99 ms | errors | vs baseline |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const ratio = base ? (r.requestsPerSecond / base.requestsPerSecond).toFixed(2) + 'x' : '';
    console.log(`| ${r.name} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${ratio} |`);
  }
}

/**
 * CPU seconds (user + system) that this process and every process it started
 * (browsers, ffmpeg, their children) use between `start` and `stop`, sampled
 * from /proc every `everyMs` (Linux; 0 for the children elsewhere). Unlike
 * wall time it barely moves with the load other work puts on the machine, so
 * two runs compare fairly on a busy host. A child that lives and dies within
 * one sampling period is missed.
 */
export function sampleTreeCpu(everyMs = 500): { stop(): { seconds: number; children: number } } {
  const TICK = 100; // clock ticks per second of /proc/<pid>/stat
  const self = process.cpuUsage();
  const ours = new Set([process.pid]);
  const start = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = (first: boolean) => {
    let entries: string[];
    try {
      entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
    } catch {
      return;
    }
    // In pid order: a parent (almost always) comes before its children, so one pass finds a whole new tree.
    for (const pid of entries.map(Number).sort((a, b) => a - b)) {
      if (pid === process.pid) continue;
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        // Known pids stay counted after their parent exits (a browser's helpers outlive it briefly).
        if (!ours.has(Number(fields[1])) && !ours.has(pid)) continue;
        ours.add(pid);
        const ticks = Number(fields[11]) + Number(fields[12]);
        // A child already running at `start` counts from there; one born later from zero.
        if (first) start.set(pid, ticks);
        last.set(pid, ticks);
      } catch {
        // gone meanwhile
      }
    }
  };
  sample(true);
  const timer = setInterval(() => sample(false), everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample(false);
      let ticks = 0;
      for (const [pid, t] of last) ticks += t - (start.get(pid) ?? 0);
      const mine = process.cpuUsage(self);
      const children = ticks / TICK;
      return { seconds: (mine.user + mine.system) / 1e6 + children, children };
    },
  };
}
