import { join } from 'node:path';
import { redisVersion, startRedisServer } from '../../../../../scripts/engines/redis.ts';
import { ENGINE_VERSIONS } from '../../../../../scripts/engines/versions.ts';
import { dockerAnswers, testcontainers } from './docker.ts';
import type { EngineHandle, RunContext } from './run-context.ts';

const LOCAL = 'redis://127.0.0.1:6379';

export async function provideRedis(run: RunContext): Promise<EngineHandle> {
  const product = 'Redis';
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    const version = await redisVersion(fromEnv);
    if (!version) throw new Error(`REDIS_URL=${fromEnv} does not answer INFO`);
    return { info: { name: 'redis', available: true, url: fromEnv, product, version, source: 'environment' }, stop: async () => {} };
  }
  if (await dockerAnswers()) {
    const { GenericContainer, Wait } = await testcontainers();
    const container = await new GenericContainer(ENGINE_VERSIONS.redis.image)
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
      .start();
    const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
    return {
      info: { name: 'redis', available: true, url, product, version: (await redisVersion(url)) ?? 'unknown', source: 'testcontainers' },
      stop: async () => { await container.stop(); },
    };
  }
  const local = await redisVersion(LOCAL);
  if (local) return { info: { name: 'redis', available: true, url: LOCAL, product, version: local, source: 'local service' }, stop: async () => {} };
  const redis = await startRedisServer({ dataDir: join(run.dataRoot, 'redis') });
  return { info: { name: 'redis', available: true, url: redis.url, product, version: redis.version, source: 'local runtime' }, stop: () => redis.stop() };
}
