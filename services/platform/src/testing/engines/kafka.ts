import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalKafka, startKafka } from '../../../../../scripts/engines/kafka.ts';
import { freePort } from '../../../../../scripts/engines/runtime.ts';
import { ENGINE_VERSIONS } from '../../../../../scripts/engines/versions.ts';
import { dockerAnswers, dockerHost, testcontainers } from './docker.ts';
import type { EngineHandle, RunContext } from './run-context.ts';

/** Ask the brokers what they are: answers only if Kafka really serves. */
export async function probeKafka(brokers: string): Promise<string> {
  const { Kafka, ConfigResourceTypes, logLevel } = (await import('kafkajs')).default;
  const admin = new Kafka({ clientId: 'poc-engine-probe', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 3 } }).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    const broker = cluster.brokers[0];
    if (!broker) return 'unknown';
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(broker.nodeId), configNames: ['inter.broker.protocol.version'] }],
    });
    const value = configs.resources[0]?.configEntries[0]?.configValue;
    return value ? `(protocol ${value})` : 'unknown';
  } finally {
    await admin.disconnect();
  }
}

export async function provideKafka(run: RunContext): Promise<EngineHandle> {
  const product = 'Apache Kafka';
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv) {
    const version = await probeKafka(fromEnv);
    return { info: { name: 'kafka', available: true, url: fromEnv, product, version, source: 'environment' }, stop: async () => {} };
  }
  if (await dockerAnswers()) {
    const { GenericContainer, Wait } = await testcontainers();
    // Kafka tells clients where to reconnect, so the host port must be known before start: bind it 1:1.
    const port = await freePort();
    const host = dockerHost();
    const container = await new GenericContainer(ENGINE_VERSIONS.kafka.image)
      .withExposedPorts({ container: port, host: port })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:9093`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_NUM_PARTITIONS: '6',
        KAFKA_HEAP_OPTS: '-Xmx512m -Xms256m',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .withStartupTimeout(180_000)
      .start();
    const url = `${host}:${port}`;
    return {
      info: { name: 'kafka', available: true, url, product, version: ENGINE_VERSIONS.kafka.version, source: 'testcontainers' },
      stop: async () => {
        await container.stop();
      },
    };
  }
  const kafka = await startKafka({ dataDir: join(run.dataRoot, 'kafka'), log: run.log });
  return {
    info: { name: 'kafka', available: true, url: kafka.brokers, product, version: kafka.version, source: 'local runtime' },
    stop: () => kafka.stop(),
  };
}

/**
 * A Kafka broker of a test's own that it may stop and start again (same
 * port, same data), to test what happens while Kafka is down. Runs the
 * local runtime: needs Java 17 and Maven (the artifacts are cached after the
 * first run).
 */
export interface StoppableKafka {
  readonly brokers: string;
  readonly version: string;
  /** Stop the broker process (it is really gone: connections are refused). */
  stop(): Promise<void>;
  /** Start it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stop it and delete its data. */
  destroy(): Promise<void>;
}

export async function startStoppableKafka(): Promise<StoppableKafka> {
  const dataDir = await mkdtemp(join(tmpdir(), 'poc-kafka-own-'));
  const port = await freePort();
  const controllerPort = await freePort();
  let current: LocalKafka | null = await startKafka({ dataDir, port, controllerPort, heapMb: 384 });
  const version = current.version;
  return {
    brokers: current.brokers,
    version,
    stop: async () => {
      await current?.stop();
      current = null;
    },
    start: async () => {
      if (current) return;
      current = await startKafka({ dataDir, port, controllerPort, heapMb: 384 });
    },
    destroy: async () => {
      await current?.stop();
      current = null;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
