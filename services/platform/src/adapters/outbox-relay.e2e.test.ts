import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { describeWithEngines, startStoppableKafka, type StoppableKafka } from '../testing/engines/index.ts';
import { portAnswers } from '../../../../scripts/engines/runtime.ts';
import type { Delivery } from '../ports/event-bus.ts';
import { KafkaEventBus } from './kafka-event-bus.ts';
import { OutboxRelay } from './outbox-relay.ts';
import { PostgresEventStore } from './postgres-event-store.ts';

// What the relays and buses logged: printed when the test times out, to say where it stuck.
const log: string[] = [];
const consumerLog: string[] = [];
const loggerTo = (lines: string[], who: string) => ({
  info: (o: object, m: string) => { lines.push(`${new Date().toISOString()} ${who} info ${m} ${JSON.stringify(o).slice(0, 300)}`); },
  warn: (o: object, m: string) => { lines.push(`${new Date().toISOString()} ${who} warn ${m} ${JSON.stringify(o).slice(0, 300)}`); },
  error: (o: object, m: string) => { lines.push(`${new Date().toISOString()} ${who} error ${m} ${JSON.stringify(o).slice(0, 300)}`); },
});
const logger = loggerTo(log, 'relay');

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => Promise<string>)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}; consumer log:\n${consumerLog.slice(-40).join('\n')}\nrelay log:\n${log.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Count a topic's messages for one tenant straight from the log (what the relays actually wrote). */
async function countInTopic(brokers: string, topic: string, tenant: string, expected: number): Promise<number> {
  const kafka = new kafkajs.Kafka({ brokers: [brokers], clientId: 'outbox-audit', logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `audit-${randomUUID()}`, maxWaitTimeInMs: 100 });
  let n = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { if (message.headers?.['tenant-id']?.toString() === tenant) n += 1; } });
  await until(() => n >= expected, 30_000, 'the audit read');
  // Anything beyond `expected` would be a double publish: give it time to show up.
  await new Promise((r) => setTimeout(r, 1_000));
  await consumer.disconnect();
  return n;
}

// Kafka is the test's own broker here (it is stopped and started again), so only PostgreSQL comes from the run's engines.
describeWithEngines(['postgres', 'kafka'], 'Outbox relay to Kafka', () => {
  let kafka: StoppableKafka;
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  const buses: KafkaEventBus[] = [];
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    [kafka, t] = await Promise.all([startStoppableKafka(), createTestDatabase('poc_outbox_e2e')]);
    await PostgresEventStore.migrate(t.db);
    store = new PostgresEventStore(t.db, { url: t.url });
  }, 240_000);

  afterAll(async () => {
    await Promise.all(relays.map((r) => r.stop()));
    await Promise.all(buses.map((b) => b.close()));
    await store?.close();
    await t?.drop();
    await kafka?.destroy();
  }, 60_000);

  it('with Kafka stopped, 1,000 appended events wait; when it returns, all reach the consumer in per-aggregate order, with no duplicate effect', async () => {
    const tenant = randomUUID();
    const aggregates = Array.from({ length: 50 }, () => randomUUID());
    const connect = async (clientId: string) => {
      const bus = await KafkaEventBus.connect(
        { brokers: [kafka.brokers], clientId, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 }, connectionTimeout: 1_000 },
        { producerRetries: 2, logger: clientId === 'outbox-consumer' ? loggerTo(consumerLog, 'consumer') : logger },
      );
      buses.push(bus);
      return bus;
    };

    // The consumer: an idempotent projection (effect keyed by event id), as every projector is.
    const consumerBus = await connect('outbox-consumer');
    const effects = new Map<string, number>();
    const deliveries: Delivery[] = [];
    await consumerBus.subscribe({
      group: `projector-${randomUUID()}`,
      topics: ['pocs.events.v1'],
      handle: async (batch) => {
        for (const d of batch) {
          if (d.event.tenantId !== tenant) continue;
          deliveries.push(d);
          if (!effects.has(d.event.id)) effects.set(d.event.id, d.event.aggregateVersion);
        }
      },
    });

    // Two relay instances (two pods), publishing through their own producers.
    for (const name of ['relay-a', 'relay-b']) {
      const relay = new OutboxRelay({ db: t.db, bus: await connect(name), store, batchSize: 200, backoffMs: 200, maxBackoffMs: 1_000, logger });
      relays.push(relay);
      relay.start();
    }

    await kafka.stop();
    expect(await portAnswers(Number(kafka.brokers.split(':')[1]))).toBe(false);

    // 1,000 events: 50 aggregates x 20 versions, appended through the event store while Kafka is down.
    for (let version = 1; version <= 20; version++) {
      await Promise.all(
        aggregates.map((a) =>
          store.append(`poc-${a}`, version === 1 ? 'no_stream' : version - 1, [{ type: 'poc.updated', schemaVersion: 1, data: { version } }], {
            tenantId: tenant,
            actor: 'user:test',
            correlationId: randomUUID(),
          }),
        ),
      );
    }
    // The relays keep trying against a dead broker; nothing is marked published.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await relays[0]!.pending()).toBe(1_000);
    expect(effects.size).toBe(0);

    await kafka.start();
    log.push(`${new Date().toISOString()} test: kafka started again`);
    await until(() => effects.size >= 1_000, 120_000, async () => `all 1,000 events at the consumer (have ${effects.size}, pending ${await relays[0]!.pending()})`);
    await until(async () => (await relays[0]!.pending()) === 0, 30_000, 'the outbox to drain');

    expect(effects.size).toBe(1_000);
    for (const a of aggregates) {
      const versions = deliveries.filter((d) => d.event.aggregateId === a).map((d) => d.event.aggregateVersion);
      // First sight of each version is in order 1..20 (a redelivery may repeat a tail, never reorder).
      expect([...new Set(versions)]).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
    // Two relays, one broker: each event was written to Kafka once.
    expect(relays[0]!.publishedCount + relays[1]!.publishedCount).toBe(1_000);
    expect(await countInTopic(kafka.brokers, 'pocs.events.v1', tenant, 1_000)).toBe(1_000);
    console.log(
      `outbox e2e: 1000 events while Kafka (${kafka.version}) was down; delivered ${deliveries.length} (distinct ${effects.size}); ` +
        `relay-a published ${relays[0]!.publishedCount}, relay-b ${relays[1]!.publishedCount}`,
    );
  }, 240_000);
});
