import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { TestIssuer } from '@poc/platform/testing';

const root = resolve(import.meta.dirname, '../../../..');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Serve the test issuer's JWKS over HTTP, as identity would. */
export async function serveJwks(issuer: TestIssuer): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(issuer.jwks));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, close: () => new Promise((r) => server.close(() => r())) };
}

export interface DojoProcess {
  readonly url: string;
  readonly port: number;
  child: ChildProcess;
  output: string[];
  /** SIGTERM (graceful) or SIGKILL (a crash), then wait for the exit. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Start again on the same port. */
  restart(): Promise<void>;
}

/** The real dojo server (`src/server.ts`) as its own process, ready when it answers /health/ready. */
export async function spawnDojo(env: Record<string, string>, port?: number): Promise<DojoProcess> {
  const p = port ?? (await freePort());
  const output: string[] = [];
  const launch = async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'services/dojo/src/server.ts')], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(p), SHUTDOWN_GRACE_MS: '5000', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    // Generous: starting (tsx transpiles on the fly) takes tens of seconds on a 2-core machine under load.
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`dojo exited early (${child.exitCode}):\n${output.join('')}`);
      try {
        const res = await fetch(`http://127.0.0.1:${p}/health/ready`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`dojo did not become ready:\n${output.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return child;
  };
  const handle: DojoProcess = {
    url: `http://127.0.0.1:${p}`,
    port: p,
    child: await launch(),
    output,
    async stop(signal = 'SIGTERM') {
      const child = handle.child;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
    async restart() {
      handle.child = await launch();
    },
  };
  return handle;
}
