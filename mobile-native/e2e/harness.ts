/**
 * What the end-to-end test and the web benchmark share: the web build, the
 * real platform started the way `pnpm start` starts it (own ports, own data
 * folder, embedded PostgreSQL), and headless Chromium from Debian
 * (playwright-core never downloads a browser here).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const appRoot = resolve(import.meta.dirname, '..');
export const repoRoot = resolve(appRoot, '..');
/** The browser the e2e and the web bench drive (a full Chromium: Playwright needs more than the video worker's headless shell). */
export const CHROMIUM = process.env.E2E_BROWSER_EXECUTABLE ?? '/usr/bin/chromium';

/** Build the web app unless dist/ matches the sources already (pnpm test builds it first, so this is usually instant). */
export function ensureWebBuild(): void {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(appRoot, 'scripts/build-web.ts'), '--if-stale'], { cwd: appRoot, stdio: 'inherit' });
  if (run.status !== 0) throw new Error('the web build failed');
}

export interface RunningPlatform {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * A port for the embedded PostgreSQL below the ephemeral range (32768-60999 here, where an outgoing
 * connection may hold any port) and apart from scripts/start.e2e.test.ts (23000-25999), checked free.
 */
async function freePostgresPort(): Promise<number> {
  for (;;) {
    const port = 30000 + Math.floor(Math.random() * 2500);
    const free = await new Promise<boolean>((done) => {
      const probe = createServer().once('error', () => done(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
    });
    if (free) return port;
  }
}

/** `scripts/start.ts` on free ports with a fresh data folder; resolves when the edge is ready. */
export async function startPlatform(): Promise<RunningPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'poc-app-e2e-'));
  chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as `postgres`, which must enter it
  // Apart from scripts/start.e2e.test.ts (edge 18080-19079, services +11000), which may run at the same time.
  const edgePort = 29000 + Math.floor(Math.random() * 900);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: '',
      EDGE_PORT: String(edgePort),
      SERVICE_PORT_OFFSET: String(20000 + Math.floor(Math.random() * 40) * 10),
      EMBEDDED_POSTGRES_PORT: String(await freePostgresPort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 240_000;
  while (!out.includes('ready in')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the platform did not start:\n${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url: `http://127.0.0.1:${edgePort}`,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 30_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** The API paths the platform serves now (from the merged OpenAPI document). */
export async function servedPaths(url: string): Promise<Set<string>> {
  const doc = (await (await fetch(`${url}/v1/openapi.json`)).json()) as { paths?: Record<string, Record<string, unknown>> };
  const out = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths ?? {})) for (const method of Object.keys(ops)) out.add(`${method.toUpperCase()} ${path}`);
  return out;
}
