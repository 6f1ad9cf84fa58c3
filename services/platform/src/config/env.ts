import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Validated configuration. Every deployable has one `env.ts` that calls
 * `loadEnv(schema)`; nothing else reads `process.env`. A missing or malformed
 * setting throws a `ConfigError` whose message names each bad setting.
 *
 * @example
 * const Env = Type.Object({ ...commonEnv, ...databaseEnv });
 * export const env = loadEnv(Env);
 */
export class ConfigError extends Error {
  readonly settings: readonly string[];
  constructor(problems: readonly { setting: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p.setting}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.settings = problems.map((p) => p.setting);
  }
}

/** A PostgreSQL connection URL. */
export const PostgresUrl = Type.String({
  pattern: '^postgres(ql)?://[^\\s]+$',
  description: 'postgres://user:password@host:port/database',
});

/** Settings every service reads. */
export const commonEnv = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  HOST: Type.String({ default: '0.0.0.0', minLength: 1 }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  /** Comma-separated origins allowed by CORS; `*` allows any. */
  CORS_ORIGINS: Type.String({ default: '*' }),
  /** Requests per minute per client address before 429. */
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 6000 }),
  /** Largest accepted request body, in bytes. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** Grace period for in-flight requests on SIGTERM, in milliseconds. */
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
} as const;

export const databaseEnv = {
  DATABASE_URL: PostgresUrl,
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
} as const;

/** Settings to verify access tokens (every service but identity, which issues them). */
export const authEnv = {
  JWT_ISSUER: Type.String({ default: 'poc-tracker', minLength: 1 }),
  JWT_AUDIENCE: Type.String({ default: 'poc-tracker-api', minLength: 1 }),
  JWKS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8081/.well-known/jwks.json' }),
} as const;

/**
 * Validate `source` (default: the process environment) against `schema`,
 * applying defaults and converting strings to numbers/booleans.
 */
export function loadEnv<T extends TObject>(schema: T, source: Record<string, string | undefined> = process.env): Static<T> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const raw = source[key];
    if (raw !== undefined && raw !== '') picked[key] = raw;
  }
  const withDefaults = Value.Default(schema, picked);
  const converted = Value.Convert(schema, withDefaults);
  const problems: { setting: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, converted)) {
    const setting = error.path.replace(/^\//, '').split('/')[0] || missingKey(schema, converted) || '(root)';
    if (seen.has(setting)) continue;
    seen.add(setting);
    const prop = schema.properties[setting] as TSchema | undefined;
    const hint = prop?.description ? ` (expected ${prop.description})` : '';
    problems.push({
      setting,
      message: converted && typeof converted === 'object' && setting in converted ? `${error.message}${hint}` : `is required${hint}`,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return converted as Static<T>;
}

function missingKey(schema: TObject, value: unknown): string | undefined {
  const required = schema.required ?? [];
  return required.find((k) => !(value && typeof value === 'object' && k in value));
}

/**
 * The production engines. Each one left unset keeps its embedded default
 * (see `adapters/from-env.ts`): `KAFKA_BROKERS` switches the event bus to
 * Kafka, `S3_BUCKET` blobs to S3, `REDIS_URL` the cache to Redis.
 * (`OPENSEARCH_URL` belongs to the search adapter.) AWS credentials come from
 * the SDK's default chain (IRSA in EKS, AWS_* variables elsewhere).
 */
export const enginesEnv = {
  KAFKA_BROKERS: Type.Optional(Type.String({ pattern: '^[^\\s,]+:\\d+(,[^\\s,]+:\\d+)*$', description: 'host:port[,host:port...]' })),
  S3_BUCKET: Type.Optional(Type.String({ minLength: 3, maxLength: 63 })),
  S3_REGION: Type.String({ default: 'us-east-1', minLength: 1 }),
  S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', description: 'http(s)://host:port of an S3-compatible server' })),
  /** Path-style URLs; default: on when S3_ENDPOINT is set (MinIO, S3Mock), off for AWS. */
  S3_FORCE_PATH_STYLE: Type.Optional(Type.Boolean()),
  /** Uploads from this size on go multipart. */
  S3_MULTIPART_THRESHOLD_BYTES: Type.Integer({ minimum: 5 * 1024 * 1024, default: 8 * 1024 * 1024 }),
  /** Where the embedded blob store keeps files. */
  BLOBS_DIR: Type.String({ default: '.data/blobs', minLength: 1 }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://[^\\s]+$', description: 'redis://[user:password@]host:port[/db]' })),
} as const;

/** `enginesEnv` as one schema, for code that takes the engine settings as a whole. */
export const EnginesEnv = Type.Object(enginesEnv);
export type EnginesEnv = Static<typeof EnginesEnv>;
