import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const fixture = resolve(import.meta.dirname, '../testing/fixtures/slow-service.ts');

describe('graceful shutdown', () => {
  it('on SIGTERM under load, finishes every in-flight request, refuses new connections and exits 0', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SLOW_MS: '1500', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${base}/health/live`)).ok) break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const inFlight = Array.from({ length: 20 }, () => fetch(`${base}/slow`).then(async (r) => ({ status: r.status, body: (await r.json()) as { done?: boolean } })));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    expect(results.every((r) => r.status === 200 && r.body.done === true)).toBe(true);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(output).toContain('closed-resources');
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  });

  it('a malformed setting stops start-up with a message naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(78);
    expect(stderr).toMatch(/PORT: /);
  });
});
