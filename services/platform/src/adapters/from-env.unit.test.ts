import { describe, expect, it } from 'vitest';
import { EnginesEnv, loadEnv } from '../config/env.ts';
import { createBlobStore, createCache } from './from-env.ts';
import { FsBlobStore } from './fs-blob-store.ts';
import { MemoryCache } from './memory-cache.ts';
import { S3BlobStore } from './s3-blob-store.ts';

const Env = EnginesEnv;

describe('engines from the environment', () => {
  it('with nothing set, every concern keeps its embedded default', async () => {
    const env = loadEnv(Env, {});
    expect(await createBlobStore(env)).toBeInstanceOf(FsBlobStore);
    const cache = await createCache(env);
    expect(cache).toBeInstanceOf(MemoryCache);
    await cache.close();
  });

  it('S3_BUCKET switches blobs to S3', async () => {
    const env = loadEnv(Env, { S3_BUCKET: 'poc-media', S3_ENDPOINT: 'http://127.0.0.1:9000' });
    const store = await createBlobStore(env);
    expect(store).toBeInstanceOf(S3BlobStore);
    (store as S3BlobStore).close();
  });

  it('names a malformed engine setting', () => {
    expect(() => loadEnv(Env, { KAFKA_BROKERS: 'kafka', REDIS_URL: 'http://x' })).toThrow(/KAFKA_BROKERS[\s\S]*REDIS_URL|REDIS_URL[\s\S]*KAFKA_BROKERS/);
  });
});
