import { join } from 'node:path';
import { startOpenSearch } from '../../../../../scripts/engines/opensearch.ts';
import { ENGINE_VERSIONS } from '../../../../../scripts/engines/versions.ts';
import { dockerAnswers, testcontainers } from './docker.ts';
import type { EngineHandle, RunContext } from './run-context.ts';

/** `GET /` of an OpenSearch (or Elasticsearch) node: its distribution and version. */
export async function probeOpenSearch(url: string): Promise<{ product: string; version: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const body = (await response.json()) as { version?: { number?: string; distribution?: string } };
  const product = body.version?.distribution === 'opensearch' ? 'OpenSearch' : (body.version?.distribution ?? 'Elasticsearch');
  return { product, version: body.version?.number ?? 'unknown' };
}

export async function provideOpenSearch(run: RunContext): Promise<EngineHandle> {
  const fromEnv = process.env.OPENSEARCH_URL;
  if (fromEnv) {
    const { product, version } = await probeOpenSearch(fromEnv);
    return { info: { name: 'opensearch', available: true, url: fromEnv, product, version, source: 'environment' }, stop: async () => {} };
  }
  if (await dockerAnswers()) {
    const { GenericContainer, Wait } = await testcontainers();
    const container = await new GenericContainer(ENGINE_VERSIONS.opensearch.image)
      .withExposedPorts(9200)
      .withEnvironment({
        'discovery.type': 'single-node',
        DISABLE_SECURITY_PLUGIN: 'true',
        DISABLE_INSTALL_DEMO_CONFIG: 'true',
        OPENSEARCH_JAVA_OPTS: '-Xms512m -Xmx512m',
      })
      .withWaitStrategy(Wait.forHttp('/_cluster/health?wait_for_status=yellow', 9200))
      .withStartupTimeout(240_000)
      .start();
    const url = `http://${container.getHost()}:${container.getMappedPort(9200)}`;
    const { product, version } = await probeOpenSearch(url);
    return { info: { name: 'opensearch', available: true, url, product, version, source: 'testcontainers' }, stop: async () => { await container.stop(); } };
  }
  const os = await startOpenSearch({ dataDir: join(run.dataRoot, 'opensearch'), log: run.log });
  const { product, version } = await probeOpenSearch(os.url);
  return { info: { name: 'opensearch', available: true, url: os.url, product, version, source: 'local runtime' }, stop: () => os.stop() };
}
