import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..', '..', '..');

/** A free TCP port on 127.0.0.1 (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Serve a JWKS over HTTP, as identity does, for services started as processes. */
export async function serveJwks(jwks: object): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

export interface ChildService {
  readonly process: ChildProcess;
  readonly url: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  stderr(): string;
}

/**
 * Start a service's `server.ts` as its own process (`node --import tsx`), as
 * `pnpm start` does, and wait until `readyPath` answers 200.
 */
export interface ChildServiceOptions {
  readonly env: Record<string, string>;
  readonly port: number;
  readonly timeoutMs?: number;
  /** What must answer 200 before the service counts as started (default `/health/ready`). */
  readonly readyPath?: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
}

export async function startChildService(entry: string, options: ChildServiceOptions): Promise<ChildService> {
  const { env, port, timeoutMs = 30_000, readyPath = '/health/ready', nodeArgs = [] } = options;
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', resolve(root, entry)], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${entry} exited during start-up:\n${stderr}`);
    try {
      const res = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} was not ready within ${timeoutMs} ms:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { process: child, url, exited, stderr: () => stderr };
}
