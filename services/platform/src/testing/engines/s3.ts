import { join } from 'node:path';
import { startS3Mock } from '../../../../../scripts/engines/s3mock.ts';
import { ENGINE_VERSIONS } from '../../../../../scripts/engines/versions.ts';
import { dockerAnswers, testcontainers } from './docker.ts';
import type { EngineHandle, RunContext } from './run-context.ts';

/** The bucket e2e suites use; created by the provider when it starts the server. */
export const TEST_BUCKET = 'poc-tracker-test';

/** What the server says it is (the `Server` header of `GET /`). */
async function serverHeader(endpoint: string): Promise<string> {
  const response = await fetch(endpoint, { signal: AbortSignal.timeout(10_000) }).catch((error: unknown) => {
    throw new Error(`S3 endpoint ${endpoint} does not answer: ${(error as Error).message}`);
  });
  await response.arrayBuffer();
  return response.headers.get('server') ?? 'unknown';
}

export async function provideS3(run: RunContext): Promise<EngineHandle> {
  const fromEnv = process.env.S3_ENDPOINT;
  if (fromEnv) {
    const server = await serverHeader(fromEnv);
    return {
      info: { name: 's3', available: true, url: fromEnv, product: 'S3-compatible server', version: server, source: 'environment', bucket: process.env.S3_BUCKET ?? TEST_BUCKET },
      stop: async () => {},
    };
  }
  const { version } = ENGINE_VERSIONS.s3mock;
  if (await dockerAnswers()) {
    const { GenericContainer, Wait } = await testcontainers();
    const container = await new GenericContainer(ENGINE_VERSIONS.s3mock.image)
      .withExposedPorts(9090)
      .withEnvironment({ initialBuckets: TEST_BUCKET, JAVA_TOOL_OPTIONS: '-Xmx256m' })
      .withWaitStrategy(Wait.forHttp('/', 9090))
      .withStartupTimeout(180_000)
      .start();
    const url = `http://${container.getHost()}:${container.getMappedPort(9090)}`;
    return {
      info: { name: 's3', available: true, url, product: 'Adobe S3Mock', version, source: 'testcontainers', bucket: TEST_BUCKET },
      stop: async () => { await container.stop(); },
    };
  }
  const s3 = await startS3Mock({ dataDir: join(run.dataRoot, 's3'), buckets: [TEST_BUCKET], log: run.log });
  return {
    info: { name: 's3', available: true, url: s3.endpoint, product: 'Adobe S3Mock', version: s3.version, source: 'local runtime', bucket: TEST_BUCKET },
    stop: () => s3.stop(),
  };
}
