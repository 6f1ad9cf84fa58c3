/**
 * Event bus publish-to-consume benchmark, one run, same broker:
 *   - raw kafkajs produce -> consume (the peer: no envelope, no commit per batch),
 *   - the platform's KafkaEventBus publish -> subscribe,
 *   - the embedded PostgresLogEventBus publish -> subscribe.
 * Prints throughput (events/s) and publish-to-handler latency p50/p99 for
 * each, and the Kafka adapter's throughput as a ratio of raw kafkajs. It
 * asserts nothing (CONVENTIONS.md, Benchmarks).
 *
 *   pnpm bench:bus                       # starts its own Kafka (local runtime) unless KAFKA_BROKERS is set
 *   BENCH_EVENTS=50000 BENCH_ROUNDS=5 pnpm bench:bus
 *
 * Both Kafka runs send the same batches of the same message bytes and
 * headers with acks -1 and the same number of publishes in flight. The raw
 * peer uses kafkajs' plain producer (sends overlap freely); the adapter's
 * producer is idempotent, so it coalesces overlapping publishes into one send
 * at a time, and it commits offsets after every handled batch.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { startKafka } from '../scripts/engines/kafka.ts';
import { KafkaEventBus } from '../services/platform/src/adapters/kafka-event-bus.ts';
import { PostgresEventStore } from '../services/platform/src/adapters/postgres-event-store.ts';
import { PostgresLogEventBus } from '../services/platform/src/adapters/postgres-log-event-bus.ts';
import type { EventBus } from '../services/platform/src/ports/event-bus.ts';
import type { EventEnvelope } from '../services/platform/src/ports/events.ts';
import { createTestDatabase } from '../services/platform/src/testing/database.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const PG_EVENTS = Number(process.env.BENCH_PG_EVENTS ?? 5_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const AGGREGATES = 200;
const PARTITIONS = 6;

const now = () => performance.timeOrigin + performance.now();

interface Result {
  readonly name: string;
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

function summarize(name: string, events: number, started: number, ended: number, latencies: number[]): Result {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const seconds = (ended - started) / 1000;
  return { name, events, seconds, perSecond: events / seconds, p50: pick(0.5), p99: pick(0.99) };
}

function envelopes(count: number, type: string): EventEnvelope[] {
  const tenantId = randomUUID();
  const ids = Array.from({ length: AGGREGATES }, () => randomUUID());
  const versions = new Map<string, number>();
  return Array.from({ length: count }, (_, i) => {
    const aggregateId = ids[i % AGGREGATES]!;
    const aggregateVersion = (versions.get(aggregateId) ?? 0) + 1;
    versions.set(aggregateId, aggregateVersion);
    return {
      id: randomUUID(),
      type,
      schemaVersion: 1,
      tenantId,
      aggregateId,
      aggregateVersion,
      occurredAt: new Date().toISOString(),
      actor: 'user:bench',
      correlationId: randomUUID(),
      causationId: null,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      data: { name: 'A POC about event buses', languages: ['typescript'], tags: ['kafka', 'bench'], i },
    };
  });
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Run `send` over the batches with at most IN_FLIGHT at once. */
async function pump<T>(all: readonly T[][], send: (batch: T[]) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < all.length) await send(all[next++]!);
    }),
  );
}

async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rawKafka(brokers: string, count: number): Promise<Result> {
  const kafka = new kafkajs.Kafka({ brokers: [brokers], clientId: 'bench-raw', logLevel: kafkajs.logLevel.ERROR });
  const topic = `bench-raw-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
  await admin.disconnect();
  // The same bytes and headers the adapter sends.
  const messages = envelopes(count, 'bench.happened').map((e) => ({
    key: e.aggregateId,
    value: JSON.stringify(e),
    headers: { 'tenant-id': e.tenantId, 'event-id': e.id, 'event-type': e.type, 'schema-version': '1', 'content-type': 'application/json', traceparent: e.traceparent! },
  }));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  let lastAt = 0;
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const at = now();
      for (const m of batch.messages) {
        const id = m.headers?.['event-id']?.toString() ?? '';
        latencies.push(at - (sentAt.get(id) ?? at));
      }
      received += batch.messages.length;
      lastAt = at;
    },
  });
  await joined;
  // kafkajs as most code uses it: acks -1, sends overlapping freely. (Its idempotent producer cannot take
  // overlapping sends: OUT_OF_ORDER_SEQUENCE_NUMBER. The adapter is idempotent and coalesces instead.)
  const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = now();
  await pump(batches(messages, BATCH), async (batch) => {
    const t = now();
    for (const m of batch) sentAt.set(m.headers['event-id'], t);
    await producer.send({ topic, acks: -1, messages: batch });
  });
  await waitFor(() => received >= count, 120_000, 'raw kafkajs consumer');
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return summarize('raw kafkajs', count, started, lastAt, latencies);
}

async function viaBus(name: string, bus: EventBus, count: number, type: string, topic: string): Promise<Result> {
  const events = envelopes(count, type);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  let lastAt = 0;
  const sub = await bus.subscribe({
    group: `bench-${randomUUID()}`,
    topics: [topic],
    maxBatch: 500,
    handle: async (batch) => {
      const at = now();
      for (const d of batch) latencies.push(at - (sentAt.get(d.event.id) ?? at));
      received += batch.length;
      lastAt = at;
    },
  });
  const started = now();
  await pump(batches(events, BATCH), async (batch) => {
    const t = now();
    for (const e of batch) sentAt.set(e.id, t);
    await bus.publish(batch);
  });
  await waitFor(() => received >= count, 300_000, `${name} subscriber`);
  await sub.close();
  return summarize(name, count, started, lastAt, latencies);
}

async function kafkaAdapter(brokers: string, count: number): Promise<Result> {
  const bus = await KafkaEventBus.connect({ brokers: [brokers], clientId: 'bench-adapter', logLevel: kafkajs.logLevel.ERROR }, { partitions: PARTITIONS });
  const context = `bench${randomUUID().slice(0, 8)}`;
  try {
    return await viaBus('KafkaEventBus', bus, count, `${context}.happened`, `${context}.events.v1`);
  } finally {
    await bus.close();
  }
}

async function postgresLog(count: number): Promise<Result> {
  const t = await createTestDatabase('poc_bench_bus');
  await PostgresEventStore.migrate(t.db);
  const store = new PostgresEventStore(t.db, { url: t.url });
  const bus = new PostgresLogEventBus(t.db, store);
  try {
    return await viaBus('PostgresLogEventBus', bus, count, 'bench.happened', 'bench.events.v1');
  } finally {
    await bus.close();
    await store.close();
    await t.drop();
  }
}

const fmt = (r: Result) =>
  `${r.name.padEnd(20)} ${String(r.events).padStart(7)} events  ${r.perSecond.toFixed(0).padStart(8)} ev/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let kafkaHandle: Awaited<ReturnType<typeof startKafka>> | null = null;
let kafkaDir: string | null = null;
let brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  kafkaDir = await mkdtemp(join(tmpdir(), 'poc-bench-kafka-'));
  console.error('bench: starting Kafka (local runtime)...');
  kafkaHandle = await startKafka({ dataDir: kafkaDir, heapMb: 768 });
  brokers = kafkaHandle.brokers;
}
try {
  console.log(`event bus bench: ${EVENTS} events per Kafka run (${PG_EVENTS} for the Postgres log), batches of ${BATCH}, ${IN_FLIGHT} publishes in flight, ${ROUNDS} rounds, broker ${brokers}${kafkaHandle ? ` (Apache Kafka ${kafkaHandle.version}, local runtime)` : ''}`);
  console.log('warming up...');
  await rawKafka(brokers, 2_000);
  await kafkaAdapter(brokers, 2_000);
  const raw: Result[] = [];
  const adapter: Result[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate the order so neither side always runs on a warmer broker.
    let r: Result;
    let a: Result;
    if (round % 2 === 1) {
      r = await rawKafka(brokers, EVENTS);
      a = await kafkaAdapter(brokers, EVENTS);
    } else {
      a = await kafkaAdapter(brokers, EVENTS);
      r = await rawKafka(brokers, EVENTS);
    }
    raw.push(r);
    adapter.push(a);
    console.log(`round ${round}:\n  ${fmt(r)}\n  ${fmt(a)}`);
  }
  const pg = await postgresLog(PG_EVENTS);
  console.log(`  ${fmt(pg)}`);
  const rawTput = median(raw.map((r) => r.perSecond));
  const adapterTput = median(adapter.map((r) => r.perSecond));
  const summary = {
    at: new Date().toISOString(),
    settings: { events: EVENTS, pgEvents: PG_EVENTS, batch: BATCH, inFlight: IN_FLIGHT, rounds: ROUNDS, partitions: PARTITIONS },
    rawKafkajs: { perSecond: rawTput, p50: median(raw.map((r) => r.p50)), p99: median(raw.map((r) => r.p99)) },
    kafkaEventBus: { perSecond: adapterTput, p50: median(adapter.map((r) => r.p50)), p99: median(adapter.map((r) => r.p99)) },
    postgresLogEventBus: { perSecond: pg.perSecond, p50: pg.p50, p99: pg.p99 },
    ratioKafkaEventBusToRaw: adapterTput / rawTput,
  };
  console.log('\nmedians over rounds:');
  console.log(`  raw kafkajs          ${rawTput.toFixed(0)} ev/s  p50 ${summary.rawKafkajs.p50.toFixed(1)} ms  p99 ${summary.rawKafkajs.p99.toFixed(1)} ms`);
  console.log(`  KafkaEventBus        ${adapterTput.toFixed(0)} ev/s  p50 ${summary.kafkaEventBus.p50.toFixed(1)} ms  p99 ${summary.kafkaEventBus.p99.toFixed(1)} ms`);
  console.log(`  PostgresLogEventBus  ${pg.perSecond.toFixed(0)} ev/s  p50 ${pg.p50.toFixed(1)} ms  p99 ${pg.p99.toFixed(1)} ms`);
  console.log(`  KafkaEventBus / raw kafkajs throughput: ${summary.ratioKafkaEventBusToRaw.toFixed(2)}x (goal >= 0.70x)`);
  await mkdir('bench/results', { recursive: true });
  await writeFile(join('bench/results', `event-bus-${Date.now()}.json`), `${JSON.stringify(summary, null, 2)}\n`);
} finally {
  await kafkaHandle?.stop();
  if (kafkaDir) await rm(kafkaDir, { recursive: true, force: true });
}
