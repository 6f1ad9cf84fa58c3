import { type Static, Type } from '@sinclair/typebox';
import { ConfigError, authEnv, commonEnv, databaseEnv, loadEnv, searchEnv } from '@poc/platform';

/** Only for development and tests: production refuses to start without its own secret. */
export const DEV_KEY_ENCRYPTION_SECRET = 'dev-only-identity-key-encryption-secret-change-me';

/** The identity service's configuration: see the root README (section Identity) for every variable. */
export const Env = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  /** Where a new tenant's search index is created (provisioning). */
  ...searchEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
  JWT_ISSUER: authEnv.JWT_ISSUER,
  JWT_AUDIENCE: authEnv.JWT_AUDIENCE,
  /** Encrypts the signing keys' private halves at rest (AES-256-GCM, key derived with HKDF). Required in production. */
  IDENTITY_KEY_ENCRYPTION_SECRET: Type.String({ minLength: 32, default: DEV_KEY_ENCRYPTION_SECRET, description: 'a secret of at least 32 characters' }),
  /** Access token lifetime. */
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 3600, default: 900 }),
  /** Refresh token lifetime (each rotation starts a new one; the family ends when one expires unused). */
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 300, default: 30 * 24 * 3600 }),
  /** The signer is replaced by a new key when it is older than this; 0 turns automatic rotation off. */
  IDENTITY_KEY_ROTATION_HOURS: Type.Integer({ minimum: 0, default: 30 * 24 }),
  /** A new signing key is published this long before it signs (longer than verifiers cache the JWKS: 10 min). */
  IDENTITY_KEY_PUBLISH_AHEAD_SECONDS: Type.Integer({ minimum: 0, default: 900 }),
  /** How long `POST /v1/tenants` waits for provisioning before answering 202 instead of 201. */
  IDENTITY_PROVISIONING_WAIT_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  /** Onboardings accepted per client address per hour (each costs an argon2 hash and provisioning). */
  ONBOARDING_PER_HOUR: Type.Integer({ minimum: 1, default: 20 }),
  /** Delay before a failed provisioning is tried again. */
  IDENTITY_PROVISIONING_RETRY_MS: Type.Integer({ minimum: 10, default: 2_000 }),
  /** Silo tenants' databases: a JSON object `{ "<databaseRef>": "postgres://…" }`. */
  TENANT_SILO_DATABASES: Type.String({ default: '{}', description: 'a JSON object of database reference to postgres:// URL' }),
  /** Failed logins of one account (tenant + email) allowed before the first wait. */
  LOGIN_MAX_FAILURES: Type.Integer({ minimum: 1, default: 5 }),
  /** Failed logins from one client address (any account) allowed before the first wait. */
  LOGIN_MAX_FAILURES_PER_ADDRESS: Type.Integer({ minimum: 1, default: 20 }),
  /** The first wait; it doubles with every further failure (Keycloak's brute-force detection). */
  LOGIN_WAIT_INCREMENT_SECONDS: Type.Integer({ minimum: 1, default: 30 }),
  LOGIN_MAX_WAIT_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  /** Failures are forgotten this long after the first one (or at the next successful login of the account). */
  LOGIN_FAILURE_RESET_SECONDS: Type.Integer({ minimum: 60, default: 12 * 3600 }),
});
export type Env = Static<typeof Env>;

export const loadServiceEnv = (source: Record<string, string | undefined> = process.env): Env => {
  const env = loadEnv(Env, source);
  const problems: { setting: string; message: string }[] = [];
  if (env.NODE_ENV === 'production' && env.IDENTITY_KEY_ENCRYPTION_SECRET === DEV_KEY_ENCRYPTION_SECRET) {
    problems.push({ setting: 'IDENTITY_KEY_ENCRYPTION_SECRET', message: 'is required in production (the development default is refused)' });
  }
  try {
    siloDatabases(env);
  } catch (error) {
    problems.push({ setting: 'TENANT_SILO_DATABASES', message: (error as Error).message });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return env;
};

/** The silo databases of `TENANT_SILO_DATABASES`, validated. */
export function siloDatabases(env: Pick<Env, 'TENANT_SILO_DATABASES'>): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.TENANT_SILO_DATABASES);
  } catch {
    throw new Error('is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('must be a JSON object');
  for (const [ref, url] of Object.entries(parsed)) {
    if (typeof url !== 'string' || !/^postgres(ql)?:\/\/\S+$/.test(url)) throw new Error(`"${ref}" must map to a postgres:// URL`);
  }
  return parsed as Record<string, string>;
}
