import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'poc-start-'));
// As root, PostgreSQL runs as the `postgres` user, which must be able to enter the data directory's parent.
chmodSync(dataDir, 0o755);
const edgePort = 18080 + Math.floor(Math.random() * 1000);
// Below the ephemeral range (32768-60999 here), where an outgoing connection may hold any port, and
// checked free: a random port up there once collided with one ("could not bind ... in use").
const postgresPort = await (async () => {
  for (;;) {
    const port = 23000 + Math.floor(Math.random() * 3000);
    const free = await new Promise<boolean>((done) => {
      const probe = createServer().once('error', () => done(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
    });
    if (free) return port;
  }
})();
const portOffset = 10000 + Math.floor(Math.random() * 400) * 10;

function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: '', EDGE_PORT: String(edgePort), SERVICE_PORT_OFFSET: String(portOffset), DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(postgresPort), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Processes whose command line mentions `needle` (postgres of our data dir, our services). */
function processesMatching(needle: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('pnpm start', () => {
  it('brings the platform up on the embedded PostgreSQL, stops cleanly on Ctrl-C, and starts again on the same data', async () => {
    for (const round of [1, 2]) {
      const run = start({});
      await waitFor(() => run.output().includes('ready in') || run.child.exitCode !== null, 150_000);
      expect(run.output(), `round ${round}`).toContain('ready in');
      const ready = await fetch(`http://127.0.0.1:${edgePort}/health/ready`).catch((error: unknown) => {
        throw new Error(`the edge does not answer after "ready" (round ${round}): ${String(error)}\n${run.output()}`);
      });
      expect(ready.status).toBe(200);
      expect(Object.keys(((await ready.json()) as { checks: object }).checks)).toEqual(expect.arrayContaining(['identity', 'pocs', 'query', 'dojo', 'reports', 'video']));
      const openapi = (await (await fetch(`http://127.0.0.1:${edgePort}/v1/openapi.json`)).json()) as Record<string, unknown>;
      expect(openapi.openapi).toBe('3.1.0');
      expect(openapi['x-unavailable']).toBeUndefined();
      run.child.kill('SIGINT');
      const [code] = (await once(run.child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(processesMatching(dataDir)).toEqual([]);
      expect(processesMatching(`${edgePort}`)).toEqual([]);
    }
  });

  it('refuses a malformed DATABASE_URL at once, naming it', async () => {
    const run = start({ DATABASE_URL: 'nonsense' });
    const [code] = (await once(run.child, 'exit')) as [number | null];
    expect(code).not.toBe(0);
    expect(run.output()).toMatch(/DATABASE_URL/);
    expect(run.output()).not.toContain('starting');
  });
});
