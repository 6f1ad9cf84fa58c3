import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type EngineProcess, ensureMavenArtifacts, freePort, spawnEngine } from './runtime.ts';
import { ENGINE_VERSIONS } from './versions.ts';

export interface S3MockOptions {
  dataDir: string;
  port?: number;
  /** Buckets that exist from the start. */
  buckets?: readonly string[];
  heapMb?: number;
  log?: (line: string) => void;
}

export interface LocalS3 {
  /** Path-style S3 endpoint. */
  readonly endpoint: string;
  readonly version: string;
  readonly process: EngineProcess;
  stop(): Promise<void>;
}

/**
 * Adobe's S3Mock (an S3-compatible server, path-style, any credentials) from
 * its Maven Central jar. Its plain-HTTP connector binds every interface (the
 * server has no setting for it); its HTTPS connector is kept on loopback.
 */
export async function startS3Mock(options: S3MockOptions): Promise<LocalS3> {
  const lib = await ensureMavenArtifacts('s3mock', options.log);
  const { version } = ENGINE_VERSIONS.s3mock;
  const port = options.port ?? (await freePort());
  await mkdir(join(options.dataDir, 'store'), { recursive: true });
  const heap = options.heapMb ?? 256;
  const { process } = await spawnEngine({
    name: 's3mock',
    command: 'java',
    args: [
      `-Xmx${heap}m`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true',
      '-jar', join(lib, `s3mock-${version}-exec.jar`),
      '--server.address=127.0.0.1', '--server.port=0',
      `--com.adobe.testing.s3mock.httpPort=${port}`,
      `--com.adobe.testing.s3mock.domain.root=${join(options.dataDir, 'store')}`,
      '--com.adobe.testing.s3mock.domain.retainFilesOnExit=true',
      `--com.adobe.testing.s3mock.domain.initialBuckets=${(options.buckets ?? []).join(',')}`,
      '--spring.main.banner-mode=off',
    ],
    cwd: options.dataDir,
    logFile: join(options.dataDir, 's3mock.log'),
    ready: /Started S3MockApplication/,
    timeoutMs: 180_000,
  });
  return { endpoint: `http://127.0.0.1:${port}`, version, process, stop: () => process.stop() };
}
