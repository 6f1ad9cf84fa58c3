/** Shared helpers for the benches: child processes, readiness, autocannon runs, a table printer. */
import { type ChildProcess, spawn } from 'node:child_process';
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
