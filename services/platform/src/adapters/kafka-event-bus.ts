import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaConfig, KafkaMessage, Message, Producer, ProducerConfig } from 'kafkajs';
import type { CheckpointSource, Delivery, EventBus, SubscribeOptions, Subscription } from '../ports/event-bus.ts';
import type { EventEnvelope } from '../ports/events.ts';
import { topicFor } from '../ports/events.ts';

/** The part of a kafkajs `Kafka` instance the bus uses (build it yourself for MSK IAM/SASL/TLS). */
export type KafkaClient = Pick<Kafka, 'producer' | 'consumer' | 'admin'>;

/** pino-shaped logger; the bus logs what an operator must see (dead letters, reconnects). */
export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface KafkaEventBusOptions {
  /** Partitions of a topic the bus creates (topics that exist are left alone). */
  readonly partitions?: number;
  /** Replication factor of a topic the bus creates; -1 = the broker's default. */
  readonly replicationFactor?: number;
  /** Partitions one consumer processes at the same time (order is kept per partition). Default 1. */
  readonly partitionsConsumedConcurrently?: number;
  /** kafkajs producer settings to add (`connect` sets the Java-compatible partitioner). */
  readonly producerConfig?: Partial<ProducerConfig>;
  /** How many times the producer retries a send before `publish` rejects. Default 5. */
  readonly producerRetries?: number;
  /** Longest a fetch waits for data; lower means faster shutdown, higher fewer requests. Default 250 ms. */
  readonly maxWaitTimeInMs?: number;
  readonly logger?: BusLogger;
}

/** Message headers the bus writes; consumers route by them without parsing the value. */
export const KAFKA_HEADERS = {
  tenantId: 'tenant-id',
  eventId: 'event-id',
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  traceparent: 'traceparent',
  contentType: 'content-type',
  /** Dead letters: why, where from, and after how many attempts. */
  dltError: 'dlt-error',
  dltGroup: 'dlt-group',
  dltTopic: 'dlt-topic',
  dltPartition: 'dlt-partition',
  dltOffset: 'dlt-offset',
  dltAttempts: 'dlt-attempts',
} as const;

/** The dead-letter topic for a topic's messages that a group could not handle. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlt`;
}

const silent: BusLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** Most messages one coalesced send carries. */
const MAX_MESSAGES_PER_SEND = 2_000;

interface PendingPublish {
  readonly items: readonly { topic: string; message: Message }[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The production event bus on Kafka (MSK), with kafkajs.
 *
 * - Publishing: an idempotent producer, `acks: -1` (all in-sync replicas),
 *   one topic per bounded context (`topicFor`), messages keyed by aggregate
 *   id so an aggregate's events share a partition and keep their order;
 *   tenant id, event id/type and W3C trace context travel in headers.
 *   `publish` resolves only once the brokers acknowledged every message.
 *   Concurrent `publish` calls are coalesced into one send at a time.
 * - Consuming: one kafkajs consumer per subscription, group = `group`, new
 *   groups start from the earliest offset. Offsets are committed only after
 *   `handle` resolved. When a batch fails, the bus goes on one message at a
 *   time up to the end of that batch, so the message that fails is isolated;
 *   it is retried after `retryDelayMs`, and after `maxAttempts` it goes to
 *   `<topic>.dlt` with the error in headers, its offset is committed, and the
 *   partition moves on (without `maxAttempts` it is retried forever, keeping
 *   the partition's order).
 * - `checkpoints`: on every partition assignment the consumer seeks to the
 *   subscriber's own checkpoint (the cursor is the offset), so a read model
 *   that stores its checkpoint with its data resumes exactly there.
 *
 * kafkajs is loaded only by `KafkaEventBus.connect`; the constructor takes
 * any object of kafkajs' shape.
 *
 * @example
 * const bus = await KafkaEventBus.connect({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'pocs' });
 * await bus.publish(events);
 */
export class KafkaEventBus implements EventBus {
  private producer: Producer | null = null;
  private producing: Promise<Producer> | null = null;
  private admin: Admin | null = null;
  private readonly knownTopics = new Set<string>();
  private topicsQueue: Promise<void> = Promise.resolve();
  private readonly waiting: PendingPublish[] = [];
  private flushing = false;
  private readonly subscriptions = new Set<Subscription>();
  private readonly logger: BusLogger;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly options: KafkaEventBusOptions = {},
  ) {
    this.logger = options.logger ?? silent;
  }

  /** Build a kafkajs client (loaded on demand) and the bus on it. */
  static async connect(config: Pick<KafkaConfig, 'brokers' | 'clientId'> & Partial<KafkaConfig>, options: KafkaEventBusOptions = {}): Promise<KafkaEventBus> {
    const { Kafka, logLevel, Partitioners } = (await import('kafkajs')).default;
    const logger = options.logger ?? silent;
    const kafka = new Kafka({
      logLevel: logLevel.WARN,
      logCreator: () => ({ level, log }) => {
        // The idempotent producer warns when retries are bounded; they are, on purpose (see publish).
        if (log.message.startsWith('Limiting retries for the idempotent producer')) return;
        const entry = { kafka: { namespace: log.namespace ?? undefined, broker: log.broker, error: log.error } };
        if (level <= logLevel.ERROR) logger.error(entry, log.message);
        else logger.warn(entry, log.message);
      },
      ...config,
    });
    // Murmur2 like the Java client, so other producers of the same keys pick the same partitions.
    return new KafkaEventBus(kafka, { ...options, producerConfig: { createPartitioner: Partitioners.DefaultPartitioner, ...options.producerConfig } });
  }

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const items = events.map((event) => ({ topic: topicFor(event.type), message: toMessage(event) }));
    await this.ensureTopics([...new Set(items.map((i) => i.topic))]);
    await new Promise<void>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      void this.flush();
    });
  }

  /**
   * One send at a time, each carrying every publish queued meanwhile: kafkajs'
   * idempotent producer fails with OUT_OF_ORDER_SEQUENCE_NUMBER when sends
   * overlap, and coalescing keeps concurrent publishers' throughput.
   */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const group: PendingPublish[] = [];
        let count = 0;
        while (this.waiting.length > 0 && (group.length === 0 || count + this.waiting[0]!.items.length <= MAX_MESSAGES_PER_SEND)) {
          const next = this.waiting.shift()!;
          group.push(next);
          count += next.items.length;
        }
        const topicMessages = new Map<string, Message[]>();
        for (const { items } of group) {
          for (const { topic, message } of items) {
            let messages = topicMessages.get(topic);
            if (!messages) topicMessages.set(topic, (messages = []));
            messages.push(message);
          }
        }
        try {
          const producer = await this.getProducer();
          try {
            await producer.sendBatch({ acks: -1, topicMessages: [...topicMessages].map(([topic, messages]) => ({ topic, messages })) });
          } catch (error) {
            // A producer whose brokers went away can stay wedged in kafkajs: start a fresh one next time.
            this.logger.warn({ err: error }, 'kafka publish failed; the producer will reconnect on the next publish');
            this.dropProducer(producer);
            throw error;
          }
          for (const pending of group) pending.resolve();
        } catch (error) {
          // What was queued behind a failed send fails too, so no later event overtakes an earlier one.
          for (const pending of [...group, ...this.waiting.splice(0)]) pending.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const topics = [...options.topics];
    await this.ensureTopics([...topics, ...topics.map(deadLetterTopic)]);
    let closed = false;
    let current: Consumer;
    let restarting: Promise<void> | null = null;
    // kafkajs gives up on a consumer after its retries (a long broker outage); start a new one, for as long as it takes.
    // Set when the consumer a restart just created crashes before the restart finished: restart again.
    let crashedWhileRestarting = false;
    const onGiveUp = (dead: Consumer) => {
      if (closed || dead !== current) return;
      if (restarting) {
        crashedWhileRestarting = true;
        return;
      }
      restarting = (async () => {
        await dead.disconnect().catch(() => undefined);
        for (let backoff = 500; !closed; backoff = Math.min(backoff * 2, 10_000)) {
          await sleep(backoff);
          if (closed) return;
          crashedWhileRestarting = false;
          try {
            await this.startConsumer(options, topics, onGiveUp, (c) => { current = c; });
            this.logger.info({ group: options.group }, 'kafka consumer restarted');
            return;
          } catch (error) {
            this.logger.warn({ group: options.group, err: error }, 'kafka consumer restart failed; retrying');
          }
        }
      })().finally(() => {
        restarting = null;
        if (crashedWhileRestarting) {
          crashedWhileRestarting = false;
          onGiveUp(current);
        }
      });
    };
    const first = await this.startConsumer(options, topics, onGiveUp, (c) => { current = c; });
    // Return once the group has given this member its partitions: from here on, nothing published is missed.
    await Promise.race([first.joined, sleep(30_000)]);
    const subscription: Subscription = {
      close: async () => {
        closed = true;
        this.subscriptions.delete(subscription);
        await restarting;
        await current.disconnect();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  private async startConsumer(
    options: SubscribeOptions,
    topics: string[],
    onGiveUp: (consumer: Consumer) => void,
    // Called before the consumer connects, so a crash while it starts is already its subscription's concern.
    onCreated: (consumer: Consumer) => void,
  ): Promise<{ consumer: Consumer; joined: Promise<void> }> {
    const consumer = this.kafka.consumer({
      groupId: options.group,
      sessionTimeout: 15_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? 250,
      // Every crash goes to onGiveUp, which starts a fresh consumer: kafkajs' own in-place restart
      // after a broker outage was seen to leave a consumer connected but fetching nothing.
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5_000, restartOnFailure: async () => false },
    });
    onCreated(consumer);
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ group: options.group, err: payload.error, restart: payload.restart }, 'kafka consumer crashed');
      if (!payload.restart) onGiveUp(consumer);
    });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      if (options.checkpoints) this.seekOnAssignment(consumer, options.checkpoints);
      const maxBatch = Math.max(1, options.maxBatch ?? 500);
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
        eachBatch: (payload) => this.consumeBatch(consumer, options, maxBatch, payload),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    return { consumer, joined };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    const producer = this.producer;
    this.producer = null;
    this.producing = null;
    await producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }

  private async consumeBatch(consumer: Consumer, options: SubscribeOptions, maxBatch: number, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const retryDelayMs = options.retryDelayMs ?? 500;
    let attempts = 0;
    let index = 0;
    let narrowUntil = 0;
    while (index < batch.messages.length) {
      if (!payload.isRunning() || payload.isStale()) return;
      // A message that is not an envelope can never succeed: dead-letter it at once.
      const deliveries: Delivery[] = [];
      let malformed: { message: KafkaMessage; error: Error } | null = null;
      const size = index < narrowUntil ? 1 : maxBatch;
      for (const message of batch.messages.slice(index, index + size)) {
        try {
          deliveries.push(toDelivery(batch.topic, batch.partition, message));
        } catch (error) {
          if (deliveries.length === 0) malformed = { message, error: error as Error };
          break;
        }
      }
      if (malformed) {
        const { message, error } = malformed;
        await this.deadLetter(options.group, batch.topic, batch.partition, message, new Error(`not an event envelope: ${error.message}`), 1);
        await this.commit(consumer, payload, batch.topic, batch.partition, message.offset);
        index += 1;
        continue;
      }
      const slice = batch.messages.slice(index, index + deliveries.length);
      try {
        await options.handle(deliveries);
      } catch (error) {
        if (deliveries.length > 1) {
          // Find the message that fails: go on one message at a time up to the end of this batch.
          narrowUntil = index + deliveries.length;
          continue;
        }
        attempts += 1;
        const first = slice[0]!;
        if (options.maxAttempts !== undefined && attempts >= options.maxAttempts) {
          await this.deadLetter(options.group, batch.topic, batch.partition, first, error, attempts);
          await this.commit(consumer, payload, batch.topic, batch.partition, first.offset);
          index += 1;
          attempts = 0;
          continue;
        }
        await payload.heartbeat().catch(() => undefined);
        await sleep(retryDelayMs);
        continue;
      }
      attempts = 0;
      await this.commit(consumer, payload, batch.topic, batch.partition, slice[slice.length - 1]!.offset);
      index += slice.length;
      await payload.heartbeat().catch(() => undefined);
    }
  }

  private async commit(consumer: Consumer, payload: EachBatchPayload, topic: string, partition: number, offset: string): Promise<void> {
    payload.resolveOffset(offset);
    // Kafka's committed offset is the next one to read.
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
  }

  private async deadLetter(group: string, topic: string, partition: number, message: KafkaMessage, error: unknown, attempts: number): Promise<void> {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const target = deadLetterTopic(topic);
    const producer = await this.getProducer();
    await producer.send({
      topic: target,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            [KAFKA_HEADERS.dltError]: reason.slice(0, 4000),
            [KAFKA_HEADERS.dltGroup]: group,
            [KAFKA_HEADERS.dltTopic]: topic,
            [KAFKA_HEADERS.dltPartition]: String(partition),
            [KAFKA_HEADERS.dltOffset]: message.offset,
            [KAFKA_HEADERS.dltAttempts]: String(attempts),
          },
        },
      ],
    });
    this.logger.error({ group, topic, partition, offset: message.offset, deadLetterTopic: target, attempts, err: error }, 'event dead-lettered after repeated handler failures');
  }

  private seekOnAssignment(consumer: Consumer, checkpoints: CheckpointSource): void {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      void (async () => {
        const stored = await checkpoints.load();
        for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
          for (const partition of partitions) {
            const cursor = stored[`${topic}:${partition}`];
            if (cursor !== undefined) consumer.seek({ topic, partition, offset: (BigInt(cursor) + 1n).toString() });
          }
        }
      })().catch((error: unknown) => this.logger.error({ err: error }, 'could not load checkpoints to seek to'));
    });
  }

  /** Create missing topics, one call at a time (kafkajs races with itself on concurrent creates). */
  private ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0) return Promise.resolve();
    const next = this.topicsQueue.then(() => this.createTopics(missing));
    this.topicsQueue = next.catch(() => undefined);
    return next;
  }

  private async createTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0) return;
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const admin = this.admin;
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = new Set(await admin.listTopics());
        const create = missing.filter((t) => !existing.has(t));
        if (create.length > 0) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: create.map((topic) => ({
              topic,
              numPartitions: this.options.partitions ?? 6,
              replicationFactor: this.options.replicationFactor ?? -1,
            })),
          });
        }
        break;
      } catch (error) {
        // Another process may be creating the same topic right now; look again shortly.
        if (attempt >= 5) throw error;
        await sleep(200 * attempt);
      }
    }
    for (const t of missing) this.knownTopics.add(t);
  }

  private getProducer(): Promise<Producer> {
    this.producing ??= (async () => {
      const producer = this.kafka.producer({
        ...this.options.producerConfig,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Bounded, so a publish while Kafka is down fails (and the outbox keeps the events) instead of hanging.
        retry: { retries: this.options.producerRetries ?? 5, initialRetryTime: 100, maxRetryTime: 2_000 },
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })().catch((error: unknown) => {
      this.producing = null;
      throw error;
    });
    return this.producing;
  }

  private dropProducer(producer: Producer): void {
    if (this.producer !== producer) return;
    this.producer = null;
    this.producing = null;
    void producer.disconnect().catch(() => undefined);
  }
}

function toMessage(event: EventEnvelope): Message {
  const headers: IHeaders = {
    [KAFKA_HEADERS.tenantId]: event.tenantId,
    [KAFKA_HEADERS.eventId]: event.id,
    [KAFKA_HEADERS.eventType]: event.type,
    [KAFKA_HEADERS.schemaVersion]: String(event.schemaVersion),
    [KAFKA_HEADERS.contentType]: 'application/json',
  };
  if (event.traceparent) headers[KAFKA_HEADERS.traceparent] = event.traceparent;
  return { key: event.aggregateId, value: JSON.stringify(envelopeOf(event)), headers };
}

/** Only the envelope's own fields travel (a StoredEvent's store position does not). */
function envelopeOf(event: EventEnvelope): EventEnvelope {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    tenantId: event.tenantId,
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion,
    occurredAt: event.occurredAt,
    actor: event.actor,
    correlationId: event.correlationId,
    causationId: event.causationId,
    data: event.data,
    traceparent: event.traceparent ?? null,
  };
}

function toDelivery(topic: string, partition: number, message: KafkaMessage): Delivery {
  const event = JSON.parse(message.value?.toString('utf8') ?? 'null') as EventEnvelope | null;
  if (!event || typeof event !== 'object' || typeof event.id !== 'string' || typeof event.type !== 'string') {
    throw new Error(`message at offset ${message.offset} has no envelope`);
  }
  const traceparent = message.headers?.[KAFKA_HEADERS.traceparent]?.toString();
  return {
    event: traceparent && !event.traceparent ? { ...event, traceparent } : event,
    topic,
    partition,
    cursor: message.offset,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
