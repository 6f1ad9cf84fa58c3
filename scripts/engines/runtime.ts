import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENGINE_VERSIONS, type LocalEngine } from './versions.ts';

const run = promisify(execFile);

/** Where downloaded engines live: outside the repository, shared by every checkout. */
export function engineCacheDir(): string {
  return process.env.POC_ENGINES_CACHE ?? join(homedir(), '.cache', 'poc-tracker', 'engines');
}

/** Raised when a local runtime cannot be provided on this machine (no Java, no Maven, ...). */
export class EngineUnavailableError extends Error {
  constructor(readonly engine: string, reason: string) {
    super(`${engine}: ${reason}`);
    this.name = 'EngineUnavailableError';
  }
}

export async function hasCommand(command: string, args: string[] = ['-version']): Promise<boolean> {
  try {
    await run(command, args, { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** `port` when it is free, else one the OS picks. */
export async function preferredPort(port: number): Promise<number> {
  return (await portAnswers(port)) ? freePort() : port;
}

/**
 * Make sure an engine's jars are in the cache: Maven resolves the artifacts
 * (and their runtime dependencies) from Maven Central into `<cache>/<engine>-<version>/lib`.
 * A marker file makes later runs skip Maven; a lock directory keeps two
 * concurrent runs from downloading into the same place.
 */
export async function ensureMavenArtifacts(engine: LocalEngine, log: (line: string) => void = () => {}): Promise<string> {
  const spec = ENGINE_VERSIONS[engine];
  const home = join(engineCacheDir(), `${engine}-${spec.version}`);
  const lib = join(home, 'lib');
  const marker = join(home, '.complete');
  if (existsSync(marker)) return lib;
  if (!(await hasCommand('java'))) throw new EngineUnavailableError(engine, 'Java is not installed (need Java 17 to run the local runtime)');
  if (!(await hasCommand('mvn', ['-v']))) throw new EngineUnavailableError(engine, 'Maven (mvn) is not installed (needed to fetch the local runtime from Maven Central)');
  await mkdir(home, { recursive: true });
  const release = await lock(join(home, '.lock'));
  try {
    if (existsSync(marker)) return lib;
    log(`fetching ${engine} ${spec.version} from Maven Central into ${home} (once)`);
    await writeFile(join(home, 'pom.xml'), pomFor(engine, spec.maven));
    const staging = join(home, 'lib.partial');
    await rm(staging, { recursive: true, force: true });
    try {
      await run(
        'mvn',
        ['-B', '-q', '-f', join(home, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
        { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new EngineUnavailableError(engine, `Maven could not fetch ${spec.maven.join(', ')}: ${(e.stdout ?? '').slice(-2000)}${e.stderr ?? e.message}`);
    }
    await rm(lib, { recursive: true, force: true });
    await rename(staging, lib);
    await writeFile(marker, `${new Date().toISOString()}\n`);
    return lib;
  } finally {
    await release();
  }
}

function pomFor(engine: string, coordinates: readonly string[]): string {
  const dependencies = coordinates.map((c) => {
    const [groupId, artifactId, version, type, classifier] = c.split(':');
    // A classified artifact (S3Mock's self-contained `exec` jar) comes without its pom's dependencies.
    const extra = classifier
      ? `<type>${type}</type><classifier>${classifier}</classifier><exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>`
      : '';
    return `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version>${extra}</dependency>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/engines: the ${engine} local runtime's jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>poc-tracker.engines</groupId>
  <artifactId>${engine}-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${dependencies.join('\n')}
  </dependencies>
</project>
`;
}

async function lock(path: string, staleMs = 15 * 60_000): Promise<() => Promise<void>> {
  for (;;) {
    try {
      await mkdir(path);
      return () => rm(path, { recursive: true, force: true });
    } catch {
      const info = await stat(path).catch(() => null);
      if (info && Date.now() - info.mtimeMs > staleMs) await rm(path, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface EngineProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited (SIGTERM, then SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  logFile: string;
  /** Resolve when a line of output says the engine is ready. */
  ready: RegExp;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Start an engine process and wait until its output says it is ready.
 * On Linux the child gets SIGTERM if this process dies (setpriv
 * --pdeathsig), so a killed test run leaves no JVM behind.
 */
export async function spawnEngine(options: SpawnOptions): Promise<{ process: EngineProcess; readyLine: string }> {
  const usePdeath = process.platform === 'linux' && existsSync('/usr/bin/setpriv');
  const [command, args] = usePdeath
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'TERM', '--', options.command, ...options.args]]
    : [options.command, options.args];
  const out = createWriteStream(options.logFile, { flags: 'a' });
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let tail = '';
  const readyLine = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not become ready within ${options.timeoutMs} ms; see ${options.logFile}:\n${tail}`));
    }, options.timeoutMs);
    const onData = (chunk: Buffer) => {
      out.write(chunk);
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        tail = `${tail}${line}\n`.slice(-3000);
        if (options.ready.test(line)) {
          clearTimeout(timer);
          resolve(line);
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code} before it was ready; see ${options.logFile}:\n${tail}`));
    });
  });
  // Keep draining output into the log after start-up.
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const stop = async (graceMs = 15_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { process: { name: options.name, pid: child.pid ?? -1, logFile: options.logFile, stop, exited }, readyLine };
}

export async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}
