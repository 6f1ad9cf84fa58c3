import type { Kysely } from 'kysely';
import type { EnginesEnv } from '../config/env.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Cache } from '../ports/cache.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { EventStore } from '../ports/event-store.ts';
import { FsBlobStore } from './fs-blob-store.ts';
import type { BusLogger } from './kafka-event-bus.ts';
import { MemoryCache } from './memory-cache.ts';
import { PostgresLogEventBus } from './postgres-log-event-bus.ts';

/**
 * The event bus the environment asks for: Kafka when `KAFKA_BROKERS` is set
 * (kafkajs loaded then), else the event store's own log.
 *
 * @example
 * const bus = await createEventBus(env, { db, store, clientId: 'pocs', logger: app.log });
 */
export async function createEventBus(
  env: Pick<EnginesEnv, 'KAFKA_BROKERS'>,
  deps: { db: Kysely<unknown>; store: EventStore; clientId: string; logger?: BusLogger },
): Promise<EventBus> {
  if (!env.KAFKA_BROKERS) return new PostgresLogEventBus(deps.db, deps.store);
  const { KafkaEventBus } = await import('./kafka-event-bus.ts');
  return KafkaEventBus.connect({ brokers: env.KAFKA_BROKERS.split(','), clientId: deps.clientId }, deps.logger ? { logger: deps.logger } : {});
}

/** S3 when `S3_BUCKET` is set (the SDK loaded then), else files under `BLOBS_DIR`. */
export async function createBlobStore(
  env: Pick<EnginesEnv, 'S3_BUCKET' | 'S3_REGION' | 'S3_ENDPOINT' | 'S3_FORCE_PATH_STYLE' | 'S3_MULTIPART_THRESHOLD_BYTES' | 'BLOBS_DIR'>,
): Promise<BlobStore> {
  if (!env.S3_BUCKET) return new FsBlobStore({ root: env.BLOBS_DIR });
  const { S3BlobStore } = await import('./s3-blob-store.ts');
  return S3BlobStore.connect({
    bucket: env.S3_BUCKET,
    region: env.S3_REGION,
    ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
    forcePathStyle: env.S3_FORCE_PATH_STYLE ?? Boolean(env.S3_ENDPOINT),
    multipartThresholdBytes: env.S3_MULTIPART_THRESHOLD_BYTES,
  });
}

/** Redis when `REDIS_URL` is set (ioredis loaded then), else in process. */
export async function createCache(env: Pick<EnginesEnv, 'REDIS_URL'>, options: { namespace?: string } = {}): Promise<Cache> {
  if (!env.REDIS_URL) return new MemoryCache();
  const { RedisCache } = await import('./redis-cache.ts');
  return RedisCache.connect(env.REDIS_URL, options);
}
