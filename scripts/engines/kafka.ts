import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type EngineProcess, ensureMavenArtifacts, freePort, spawnEngine } from './runtime.ts';
import { ENGINE_VERSIONS } from './versions.ts';

const run = promisify(execFile);

export interface KafkaOptions {
  /** Log directory; reuse it (with the same port) to restart the same broker. */
  dataDir: string;
  /** Broker port on 127.0.0.1; a free one when omitted. */
  port?: number;
  controllerPort?: number;
  heapMb?: number;
  log?: (line: string) => void;
}

export interface LocalKafka {
  readonly brokers: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly version: string;
  readonly process: EngineProcess;
  stop(): Promise<void>;
}

const LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=WARN
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
`;

/**
 * Apache Kafka in KRaft mode (one process: broker + controller) from its
 * Maven Central artifacts, on Java 17, listening on 127.0.0.1 only.
 */
export async function startKafka(options: KafkaOptions): Promise<LocalKafka> {
  const lib = await ensureMavenArtifacts('kafka', options.log);
  const port = options.port ?? (await freePort());
  const controllerPort = options.controllerPort ?? (await freePort());
  const dataDir = options.dataDir;
  await mkdir(join(dataDir, 'logs'), { recursive: true });
  const properties = join(dataDir, 'server.properties');
  await writeFile(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${join(dataDir, 'logs')}`,
      'num.partitions=6',
      'auto.create.topics.enable=true',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=6',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=2',
      'group.initial.rebalance.delay.ms=0',
      'log.retention.hours=24',
      'log.segment.bytes=67108864',
      'num.network.threads=2',
      'num.io.threads=4',
      'background.threads=2',
      '',
    ].join('\n'),
  );
  await writeFile(join(dataDir, 'log4j.properties'), LOG4J);
  const java = ['-cp', `${lib}/*`, `-Dlog4j.configuration=file:${join(dataDir, 'log4j.properties')}`];
  if (!existsSync(join(dataDir, 'logs', 'meta.properties'))) {
    const clusterId = randomBytes(16).toString('base64url').slice(0, 22);
    await run('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties, '--ignore-formatted'], { timeout: 120_000 });
  }
  const heap = options.heapMb ?? 512;
  const { process } = await spawnEngine({
    name: 'kafka',
    command: 'java',
    args: [
      `-Xms${Math.min(heap, 256)}m`, `-Xmx${heap}m`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true', ...java, 'kafka.Kafka', properties,
    ],
    cwd: dataDir,
    logFile: join(dataDir, 'kafka.log'),
    ready: /Kafka Server started|\[KafkaRaftServer nodeId=\d+\] Kafka Server started/,
    timeoutMs: 180_000,
  });
  return {
    brokers: `127.0.0.1:${port}`,
    port,
    controllerPort,
    version: ENGINE_VERSIONS.kafka.version,
    process,
    stop: () => process.stop(),
  };
}
