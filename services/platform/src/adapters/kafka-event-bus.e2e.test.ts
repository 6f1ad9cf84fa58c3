import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeEnvelopes, testEventBusPort } from '../testing/event-bus-contract.ts';
import { describeWithEngines } from '../testing/engines/index.ts';
import type { Delivery } from '../ports/event-bus.ts';
import { KAFKA_HEADERS, KafkaEventBus, deadLetterTopic } from './kafka-event-bus.ts';

const { Kafka, logLevel } = kafkajs;

async function until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Read raw messages of a topic from the beginning with plain kafkajs, until `enough` says stop. */
async function readRaw(brokers: string, topic: string, enough: (messages: kafkajs.KafkaMessage[]) => boolean): Promise<kafkajs.KafkaMessage[]> {
  const kafka = new Kafka({ brokers: [brokers], clientId: 'raw-reader', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `raw-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const got: kafkajs.KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { got.push(message); } });
  try {
    await until(() => enough(got));
  } finally {
    await consumer.disconnect();
  }
  return got;
}

describeWithEngines(['kafka'], 'Kafka event bus', ({ kafka }) => {
  testEventBusPort('kafka', async () => {
    const opened: KafkaEventBus[] = [];
    const open = async () => {
      const bus = await KafkaEventBus.connect({ brokers: [kafka.url], clientId: `contract-${randomUUID()}` });
      opened.push(bus);
      return bus;
    };
    const bus = await open();
    return { bus, reopen: open, teardown: async () => { await Promise.all(opened.map((b) => b.close())); } };
  }, { timeoutMs: 45_000 });

  let bus: KafkaEventBus;
  beforeAll(async () => {
    bus = await KafkaEventBus.connect({ brokers: [kafka.url], clientId: 'kafka-specific' });
  });
  afterAll(async () => {
    await bus?.close();
  });

  it('keys each message by aggregate id and carries tenant, event and trace context in headers', async () => {
    const [event] = makeEnvelopes(1, 1, 'video.requested');
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await bus.publish([{ ...event!, traceparent }]);
    const raw = await readRaw(kafka.url, 'videos.events.v1', (m) => m.some((x) => x.headers?.[KAFKA_HEADERS.eventId]?.toString() === event!.id));
    const message = raw.find((x) => x.headers?.[KAFKA_HEADERS.eventId]?.toString() === event!.id)!;
    expect(message.key?.toString()).toBe(event!.aggregateId);
    expect(message.headers?.[KAFKA_HEADERS.tenantId]?.toString()).toBe(event!.tenantId);
    expect(message.headers?.[KAFKA_HEADERS.eventType]?.toString()).toBe('video.requested');
    expect(message.headers?.[KAFKA_HEADERS.traceparent]?.toString()).toBe(traceparent);
    expect(JSON.parse(message.value!.toString())).toMatchObject({ id: event!.id, aggregateVersion: 1, traceparent });
  });

  it("an aggregate's events all land on one partition, whatever the batch", async () => {
    const events = makeEnvelopes(40, 4, 'poc.renamed');
    await bus.publish(events.slice(0, 17));
    await bus.publish(events.slice(17));
    const ids = new Set(events.map((e) => e.id));
    const got: Delivery[] = [];
    const sub = await bus.subscribe({ group: `p-${randomUUID()}`, topics: ['pocs.events.v1'], handle: async (b) => { got.push(...b.filter((d) => ids.has(d.event.id))); } });
    await until(() => got.length >= 40);
    await sub.close();
    for (const aggregate of new Set(events.map((e) => e.aggregateId))) {
      const mine = got.filter((d) => d.event.aggregateId === aggregate);
      expect(new Set(mine.map((d) => d.partition)).size).toBe(1);
      expect(mine.map((d) => d.event.aggregateVersion)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    }
  });

  it('concurrent publishes on the idempotent producer all land, in order per aggregate (regression: OUT_OF_ORDER_SEQUENCE_NUMBER)', async () => {
    const tenant = randomUUID();
    // 25 callers at once, each publishing its own aggregates' events in order.
    const callers = Array.from({ length: 25 }, () => makeEnvelopes(40, 2, 'poc.tagged', tenant));
    const got: Delivery[] = [];
    const sub = await bus.subscribe({ group: `c-${randomUUID()}`, topics: ['pocs.events.v1'], handle: async (b) => { got.push(...b.filter((d) => d.event.tenantId === tenant)); } });
    await Promise.all(callers.map(async (events) => {
      for (let i = 0; i < events.length; i += 10) await bus.publish(events.slice(i, i + 10));
    }));
    await until(() => got.length >= 1000);
    await sub.close();
    expect(new Set(got.map((d) => d.event.id)).size).toBe(1000);
    for (const aggregate of new Set(callers.flat().map((e) => e.aggregateId))) {
      const versions = got.filter((d) => d.event.aggregateId === aggregate).map((d) => d.event.aggregateVersion);
      expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
  });

  it('a poison message goes to the dead-letter topic with the error, and later messages of its partition still flow', async () => {
    // One aggregate: everything shares a partition, so "still flows" means the partition is not blocked.
    const events = makeEnvelopes(4, 1, 'dojo.started');
    const poison = events[1]!.id;
    const group = `dlt-${randomUUID()}`;
    const handled: string[] = [];
    const sub = await bus.subscribe({
      group,
      topics: ['dojos.events.v1'],
      maxAttempts: 3,
      retryDelayMs: 20,
      handle: async (batch) => {
        for (const d of batch) {
          if (d.event.tenantId !== events[0]!.tenantId) continue;
          if (d.event.id === poison) throw new Error('cannot project this one');
          handled.push(d.event.id);
        }
      },
    });
    await bus.publish(events);
    // Distinct: a redelivered first message (at least once) must not count for the last one.
    await until(() => new Set(handled).size >= 3);
    await sub.close();
    // At least once: the batch that failed may have handled its first message before the poison; order holds.
    expect([...new Set(handled)]).toEqual([events[0]!.id, events[2]!.id, events[3]!.id]);
    const dead = await readRaw(kafka.url, deadLetterTopic('dojos.events.v1'), (m) => m.some((x) => x.headers?.[KAFKA_HEADERS.dltGroup]?.toString() === group));
    const letter = dead.find((x) => x.headers?.[KAFKA_HEADERS.dltGroup]?.toString() === group)!;
    expect(letter.headers?.[KAFKA_HEADERS.eventId]?.toString()).toBe(poison);
    expect(letter.headers?.[KAFKA_HEADERS.dltError]?.toString()).toContain('cannot project this one');
    expect(letter.headers?.[KAFKA_HEADERS.dltAttempts]?.toString()).toBe('3');
    expect(letter.key?.toString()).toBe(events[0]!.aggregateId);
  });

  it('offsets are committed only after the handler succeeded: a crash mid-batch redelivers', async () => {
    const events = makeEnvelopes(6, 1, 'tenant.renamed');
    const tenant = events[0]!.tenantId;
    const group = `crash-${randomUUID()}`;
    const first: string[] = [];
    await bus.publish(events);
    // The first consumer takes the batch and dies before its handler finishes.
    let release: () => void = () => {};
    const sub = await bus.subscribe({
      group,
      topics: ['identity.events.v1'],
      handle: async (batch) => {
        const mine = batch.filter((d) => d.event.tenantId === tenant);
        first.push(...mine.map((d) => d.event.id));
        if (mine.length > 0) await new Promise<void>((_, reject) => { release = () => reject(new Error('process died')); });
      },
    });
    await until(() => first.length >= 1);
    const closing = sub.close();
    release();
    await closing;
    const again: string[] = [];
    const other = await KafkaEventBus.connect({ brokers: [kafka.url], clientId: 'after-crash' });
    const sub2 = await other.subscribe({ group, topics: ['identity.events.v1'], handle: async (batch) => { again.push(...batch.filter((d) => d.event.tenantId === tenant).map((d) => d.event.id)); } });
    await until(() => again.length >= 6);
    await sub2.close();
    await other.close();
    // The batch that was in the handler when it stopped is delivered again: committed offsets never ran ahead of the handler.
    expect(again.slice(0, first.length)).toEqual(first);
  });

  it('resumes from the subscriber’s own checkpoints instead of the group’s offsets', async () => {
    const events = makeEnvelopes(5, 1, 'report.requested');
    const tenant = events[0]!.tenantId;
    await bus.publish(events);
    const seen: Delivery[] = [];
    const group = `cp-${randomUUID()}`;
    const sub = await bus.subscribe({ group, topics: ['reports.events.v1'], handle: async (b) => { seen.push(...b.filter((d) => d.event.tenantId === tenant)); } });
    await until(() => seen.length >= 5);
    await sub.close();
    // The read model only kept the first two: resume right after the second.
    const second = seen[1]!;
    const replay: string[] = [];
    const sub2 = await bus.subscribe({
      group,
      topics: ['reports.events.v1'],
      checkpoints: { load: async () => ({ [`${second.topic}:${second.partition}`]: second.cursor }) },
      handle: async (b) => { replay.push(...b.filter((d) => d.event.tenantId === tenant).map((d) => d.event.id)); },
    });
    await until(() => replay.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    await sub2.close();
    expect(replay).toEqual(events.slice(2).map((e) => e.id));
  });
});
