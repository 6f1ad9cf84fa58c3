import { homedir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ENGINE_VERSIONS } from '../../../../../scripts/engines/versions.ts';
import { postgresAnswers, startEmbeddedPostgres } from '../../db/embedded-postgres.ts';
import { dockerAnswers, testcontainers } from './docker.ts';
import type { EngineHandle, RunContext } from './run-context.ts';

const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ server_version: string }>('show server_version');
    return result.rows[0]?.server_version.split(' ')[0] ?? 'unknown';
  } finally {
    await client.end();
  }
}

export async function providePostgres(_run: RunContext): Promise<EngineHandle> {
  const product = 'PostgreSQL';
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    return { info: { name: 'postgres', available: true, url: fromEnv, product, version: await postgresVersion(fromEnv), source: 'environment' }, stop: async () => {} };
  }
  if (await dockerAnswers()) {
    const { GenericContainer, Wait } = await testcontainers();
    const container = await new GenericContainer(ENGINE_VERSIONS.postgres.image)
      .withExposedPorts(5432)
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    const url = `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
    return {
      info: { name: 'postgres', available: true, url, product, version: await postgresVersion(url), source: 'testcontainers' },
      stop: async () => { await container.stop(); },
    };
  }
  if (await postgresAnswers(LOCAL)) {
    return { info: { name: 'postgres', available: true, url: LOCAL, product, version: await postgresVersion(LOCAL), source: 'local service' }, stop: async () => {} };
  }
  const handle = await startEmbeddedPostgres({ dataDir: join(homedir(), '.cache', 'poc-tracker', 'test-postgres'), port: 54329 });
  return {
    info: { name: 'postgres', available: true, url: handle.url, product, version: await postgresVersion(handle.url), source: 'local runtime' },
    stop: () => handle.stop(),
  };
}
