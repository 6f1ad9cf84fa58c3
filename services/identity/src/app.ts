import type { Kysely } from 'kysely';
import {
  type App,
  type Cache,
  type EventBus,
  type EventStore,
  PostgresEventStore,
  PostgresTenantCatalog,
  type Subscription,
  TenantDatabases,
  TenantProvisioner,
  authPlugin,
  createApp,
  createTokenVerifier,
  databaseCheck,
  migrate,
  postgresSchemaStep,
} from '@poc/platform';
import type { Identity } from './context.ts';
import { type IdentityTables, identityMigrations } from './db.ts';
import { type Env, siloDatabases } from './env.ts';
import { SigningKeys } from './keys/signing-keys.ts';
import { InProcessCache } from './login/in-process-cache.ts';
import { LoginThrottle } from './login/throttle.ts';
import { decoyHash } from './passwords/hasher.ts';
import { loadCommonPasswords } from './passwords/policy.ts';
import { jwksRoutes } from './routes/jwks.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { userRoutes } from './routes/users.ts';
import { startProvisioner } from './tenants/provisioning.ts';
import { accessTokenIssuer } from './tokens/access-tokens.ts';
import { RefreshTokens } from './tokens/refresh-tokens.ts';

export interface Deps {
  env: Env;
  db: Kysely<unknown>;
  store: EventStore;
  bus: EventBus;
  /**
   * The provisioning steps a new tenant goes through. Default: its Postgres
   * schema only; server.ts adds the search index, blob prefix and read-model
   * steps as their adapters exist.
   */
  provisioner?: TenantProvisioner;
  /** Login throttle counters; default: in this process. */
  cache?: Cache;
  logger?: boolean;
}

/** Identity's tables, the tenant catalog and the event store, migrated in dependency order. */
export async function migrateIdentity(db: Kysely<unknown>): Promise<void> {
  await PostgresEventStore.migrate(db);
  await PostgresTenantCatalog.migrate(db);
  await migrate(db, 'identity', identityMigrations);
}

/**
 * The identity service: tenants (onboarding and provisioning), users and
 * roles, login with throttling, access and refresh tokens, the JWKS.
 */
export async function buildApp(deps: Deps): Promise<App> {
  const { env } = deps;
  await migrateIdentity(deps.db);
  const db = deps.db as Kysely<IdentityTables>;
  const keys = new SigningKeys(db, {
    secret: env.IDENTITY_KEY_ENCRYPTION_SECRET,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    rotateAfterMs: env.IDENTITY_KEY_ROTATION_HOURS * 3_600_000,
    publishAheadMs: env.IDENTITY_KEY_PUBLISH_AHEAD_SECONDS * 1000,
  });
  await keys.init();
  const databases = new TenantDatabases(deps.db, siloDatabases(env));
  const provisioner = deps.provisioner ?? new TenantProvisioner([postgresSchemaStep(databases)]);
  const app = await createApp({ service: 'identity', env, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
  app.addReadinessCheck('postgres', databaseCheck(deps.db));
  const ownsCache = !deps.cache;
  const cache = deps.cache ?? new InProcessCache();
  const identity: Identity = {
    env,
    db,
    store: deps.store,
    catalog: new PostgresTenantCatalog(deps.db),
    keys,
    accessTokens: accessTokenIssuer(keys, { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, ttlSeconds: env.ACCESS_TOKEN_TTL_SECONDS }),
    refreshTokens: new RefreshTokens(db, env.REFRESH_TOKEN_TTL_SECONDS, (reuse) =>
      app.log.warn({ security: 'refresh_token_reuse', ...reuse }, 'a spent refresh token was presented again; its family is revoked'),
    ),
    throttle: new LoginThrottle(cache, {
      maxFailures: env.LOGIN_MAX_FAILURES,
      maxFailuresPerAddress: env.LOGIN_MAX_FAILURES_PER_ADDRESS,
      waitIncrementSeconds: env.LOGIN_WAIT_INCREMENT_SECONDS,
      maxWaitSeconds: env.LOGIN_MAX_WAIT_SECONDS,
      failureResetSeconds: env.LOGIN_FAILURE_RESET_SECONDS,
    }),
    commonPasswords: loadCommonPasswords(),
    decoyHash: await decoyHash(),
  };

  // Identity verifies its own tokens the way every service does, over its key set instead of the JWKS URL.
  await app.register(authPlugin, { verifier: createTokenVerifier({ issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwks: keys.getKey }) });
  await app.register(jwksRoutes(identity));
  await app.register(tenantRoutes(identity), { prefix: '/v1' });
  await app.register(sessionRoutes(identity), { prefix: '/v1' });
  await app.register(userRoutes(identity), { prefix: '/v1' });

  let provisioning: Subscription | undefined;
  app.addHook('onReady', async () => {
    provisioning = await startProvisioner({
      bus: deps.bus,
      db: deps.db,
      catalog: identity.catalog,
      provisioner,
      retryDelayMs: env.IDENTITY_PROVISIONING_RETRY_MS,
      log: app.log.child({ component: 'provisioner' }),
    });
  });
  app.addHook('onClose', async () => {
    await provisioning?.close();
    await databases.close();
    if (ownsCache) await cache.close();
  });
  return app;
}
