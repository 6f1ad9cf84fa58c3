/**
 * `pnpm engines`: the production-like stack without Docker. Starts Kafka
 * (KRaft), OpenSearch and an S3-compatible server from Maven Central on
 * loopback, finds PostgreSQL and Redis on this machine, prints the
 * environment to export so `pnpm start` uses them, and stops everything on
 * Ctrl-C.
 *
 *   pnpm engines                 # all of them
 *   pnpm engines kafka redis     # only these
 *   pnpm engines --reset         # forget the data of earlier runs
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startKafka } from './kafka.ts';
import { startOpenSearch } from './opensearch.ts';
import { redisVersion, startRedisServer } from './redis.ts';
import { portAnswers, preferredPort } from './runtime.ts';
import { startS3Mock } from './s3mock.ts';

type Name = 'kafka' | 'opensearch' | 's3' | 'redis' | 'postgres';
const ALL: Name[] = ['postgres', 'redis', 'kafka', 'opensearch', 's3'];

const args = process.argv.slice(2);
const reset = args.includes('--reset');
const wanted = args.filter((a) => !a.startsWith('--')) as Name[];
const unknown = wanted.filter((n) => !ALL.includes(n));
if (unknown.length > 0) {
  console.error(`unknown engine(s): ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : ALL;
const root = resolve(process.env.POC_ENGINES_DATA ?? join(process.cwd(), '.data', 'engines'));
if (reset) await rm(root, { recursive: true, force: true });

const log = (line: string) => console.error(`[engines] ${line}`);
const stops: (() => Promise<void>)[] = [];
const exports: Record<string, string> = {};
const notes: string[] = [];

async function provide(name: Name): Promise<void> {
  switch (name) {
    case 'postgres': {
      if (await portAnswers(5432)) {
        exports.DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
        notes.push('postgres: the PostgreSQL running on 127.0.0.1:5432');
      } else {
        notes.push('postgres: none on 127.0.0.1:5432; leave DATABASE_URL unset and `pnpm start` runs an embedded PostgreSQL');
      }
      return;
    }
    case 'redis': {
      const local = 'redis://127.0.0.1:6379';
      const version = await redisVersion(local);
      if (version) {
        exports.REDIS_URL = local;
        notes.push(`redis: Redis ${version} running on 127.0.0.1:6379`);
        return;
      }
      const redis = await startRedisServer({ dataDir: join(root, 'redis'), port: await preferredPort(16379) });
      stops.push(redis.stop);
      exports.REDIS_URL = redis.url;
      notes.push(`redis: Redis ${redis.version} started on ${redis.url}`);
      return;
    }
    case 'kafka': {
      const kafka = await startKafka({ dataDir: join(root, 'kafka'), port: await preferredPort(19092), controllerPort: await preferredPort(19093), log });
      stops.push(kafka.stop);
      exports.KAFKA_BROKERS = kafka.brokers;
      notes.push(`kafka: Apache Kafka ${kafka.version} (KRaft) on ${kafka.brokers}; log ${kafka.process.logFile}`);
      return;
    }
    case 'opensearch': {
      const os = await startOpenSearch({ dataDir: join(root, 'opensearch'), port: await preferredPort(19200), log });
      stops.push(os.stop);
      exports.OPENSEARCH_URL = os.url;
      notes.push(`opensearch: OpenSearch ${os.version} on ${os.url}; log ${os.process.logFile}`);
      return;
    }
    case 's3': {
      const s3 = await startS3Mock({ dataDir: join(root, 's3'), port: await preferredPort(19090), buckets: ['poc-tracker'], log });
      stops.push(s3.stop);
      Object.assign(exports, {
        S3_ENDPOINT: s3.endpoint,
        S3_BUCKET: 'poc-tracker',
        S3_REGION: 'us-east-1',
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      notes.push(`s3: S3Mock ${s3.version} on ${s3.endpoint}, bucket poc-tracker; log ${s3.process.logFile}`);
      return;
    }
  }
}

async function stopAll(): Promise<void> {
  await Promise.allSettled(stops.splice(0).reverse().map((stop) => stop()));
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log('stopping engines...');
    void stopAll().then(() => process.exit(0));
  });
}

log(`starting ${names.join(', ')} (data under ${root})`);
const results = await Promise.allSettled(names.map((n) => provide(n)));
const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${names[i]}: ${(r.reason as Error).message}`] : []));
if (failed.length > 0) {
  console.error(`could not start:\n  ${failed.join('\n  ')}`);
  await stopAll();
  process.exit(1);
}
console.log(`\n${notes.map((n) => `# ${n}`).join('\n')}\n# Export these, then \`pnpm start\` uses the engines above:\n`);
for (const [key, value] of Object.entries(exports)) console.log(`export ${key}=${value}`);
console.log('\n# Ctrl-C stops the engines.');
// Stay up until a signal arrives.
setInterval(() => {}, 1 << 30);
