import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { type EngineProcess, freePort, hasCommand, spawnEngine, EngineUnavailableError } from './runtime.ts';

/**
 * Ask a Redis server for its version with a raw `INFO server` (no client
 * library: scripts use Node built-ins only). `null` when nothing answers.
 */
export function redisVersion(url: string, timeoutMs = 1_500): Promise<string | null> {
  const parsed = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    let data = '';
    const done = (value: string | null) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once('error', () => done(null));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      if (data.startsWith('-')) return done(null);
      const match = /redis_version:(\S+)/.exec(data);
      if (match) done(match[1] ?? null);
    });
    socket.connect(Number(parsed.port || 6379), parsed.hostname || '127.0.0.1', () => {
      const auth = parsed.password ? `AUTH ${decodeURIComponent(parsed.username || 'default')} ${decodeURIComponent(parsed.password)}\r\n` : '';
      socket.write(`${auth}INFO server\r\n`);
    });
  });
}

export interface LocalRedis {
  readonly url: string;
  readonly version: string;
  readonly process: EngineProcess;
  stop(): Promise<void>;
}

/** A private redis-server (Debian's package) on loopback, keeping nothing on disk. */
export async function startRedisServer(options: { dataDir: string; port?: number }): Promise<LocalRedis> {
  const binary = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';
  if (!(await hasCommand(binary, ['--version']))) throw new EngineUnavailableError('redis', 'redis-server is not installed (apt-get install redis-server)');
  const port = options.port ?? (await freePort());
  await mkdir(options.dataDir, { recursive: true });
  const { process } = await spawnEngine({
    name: 'redis',
    command: binary,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', options.dataDir],
    cwd: options.dataDir,
    logFile: join(options.dataDir, 'redis.log'),
    ready: /Ready to accept connections/,
    timeoutMs: 30_000,
  });
  const url = `redis://127.0.0.1:${port}`;
  return { url, version: (await redisVersion(url)) ?? 'unknown', process, stop: () => process.stop() };
}
