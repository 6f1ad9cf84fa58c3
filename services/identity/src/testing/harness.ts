import { type App, PostgresEventStore, PostgresLogEventBus, type TenantProvisioner } from '@poc/platform';
import { type TokenForge, createTestDatabase } from '@poc/platform/testing';
import { SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import { SIGNING_ALG, SigningKeys } from '../keys/signing-keys.ts';
import { buildApp } from '../app.ts';
import { type Env, loadServiceEnv } from '../env.ts';

export interface Harness {
  app: App;
  env: Env;
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  close(): Promise<void>;
}

/** Identity on a fresh database, its provisioner running, as `pnpm start` runs it. */
export async function startIdentity(options: { env?: Record<string, string>; provisioner?: (db: Kysely<unknown>) => TenantProvisioner } = {}): Promise<Harness> {
  const db = await createTestDatabase('identity_test');
  const env = loadServiceEnv({
    DATABASE_URL: db.url,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    RATE_LIMIT_PER_MINUTE: '100000',
    ONBOARDING_PER_HOUR: '1000',
    IDENTITY_PROVISIONING_RETRY_MS: '50',
    ...options.env,
  });
  const store = new PostgresEventStore(db.db, { url: db.url });
  const bus = new PostgresLogEventBus(db.db, store);
  const app = await buildApp({ env, db: db.db, store, bus, logger: false, ...(options.provisioner ? { provisioner: options.provisioner(db.db) } : {}) });
  await app.ready();
  return {
    app,
    env,
    db,
    close: async () => {
      await app.close();
      await bus.close();
      await store.close();
      await db.drop();
    },
  };
}

export const STRONG_PASSWORD = 'violet tangerine hammock 42';

let counter = 0;
/** A unique slug per call. */
export const slug = (prefix = 't') => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** Onboard a tenant and return its ids and tokens (201 expected). */
export async function onboard(app: App, options: { slug?: string; email?: string; password?: string; name?: string } = {}) {
  const body = {
    name: options.name ?? 'Acme',
    slug: options.slug ?? slug(),
    admin: { email: options.email ?? 'owner@acme.test', password: options.password ?? STRONG_PASSWORD, displayName: 'Olivia Owner' },
  };
  const res = await app.inject({ method: 'POST', url: '/v1/tenants', payload: body });
  if (res.statusCode !== 201) throw new Error(`onboarding answered ${res.statusCode}: ${res.body}`);
  const json = res.json() as { tenant: { id: string; slug: string }; user: { id: string }; accessToken: string; refreshToken: string };
  return { ...json, slug: body.slug, email: body.admin.email, password: body.admin.password };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Signs tokens with identity's own current key (for the isolation suite's expired / foreign-audience tokens). */
export async function identityForge(h: Harness): Promise<TokenForge> {
  const keys = new SigningKeys(h.db.db as never, {
    secret: h.env.IDENTITY_KEY_ENCRYPTION_SECRET,
    accessTokenTtlSeconds: h.env.ACCESS_TOKEN_TTL_SECONDS,
    rotateAfterMs: 0,
  });
  const jwks = await keys.jwks();
  return {
    jwks,
    sign: async (claims) => {
      const { kid, key } = await keys.signer();
      return new SignJWT(claims).setProtectedHeader({ alg: SIGNING_ALG, kid }).sign(key);
    },
  };
}
