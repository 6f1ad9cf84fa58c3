import { createCipheriv, createDecipheriv, createPrivateKey, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { type JSONWebKeySet, type JWK, type JWTVerifyGetKey, createLocalJWKSet, exportJWK } from 'jose';
import { type Kysely, sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { IdentityTables } from '../db.ts';

export const SIGNING_ALG = 'EdDSA';

export interface SigningKeysOptions {
  /** IDENTITY_KEY_ENCRYPTION_SECRET: encrypts private keys at rest. */
  secret: string;
  /** Access token lifetime: a retired key stays published this long (plus skew) after its last token. */
  accessTokenTtlSeconds: number;
  /** Rotate when the newest key is older than this; 0 = never automatically. */
  rotateAfterMs: number;
  /**
   * A new key is published this long before it signs, so every verifier's
   * cached JWKS holds it before the first token it signed arrives (verifiers
   * cache the JWKS up to 10 minutes). Default 0.
   */
  publishAheadMs?: number;
  /** How long a loaded key set is trusted before it is read again (another replica may have rotated). */
  reloadMs?: number;
  now?: () => number;
}

interface Loaded {
  signer: { kid: string; key: KeyObject };
  /** Creation time of the newest key (pending or signing): the age automatic rotation looks at. */
  newestCreatedAt: number;
  jwks: JSONWebKeySet;
  getKey: JWTVerifyGetKey;
  loadedAt: number;
}

const CLOCK_SKEW_MS = 60_000;
const AAD = Buffer.from('poc-identity-signing-key');

/**
 * Identity's signing keys, stored in Postgres: Ed25519 pairs, the private half
 * encrypted with AES-256-GCM under a key derived from the configured secret.
 * Rotation creates a key that is published at once and signs from
 * `activates_at` (publish-ahead); when it takes over, the previous signer is
 * retired (its private half wiped: it never signs again) and stays in the JWKS
 * until every token it signed has expired. Nobody is logged out, and no
 * verifier meets a `kid` it has not been shown.
 *
 * @example
 * const keys = new SigningKeys(db, { secret, accessTokenTtlSeconds: 900, rotateAfterMs: 30 * 86_400_000 });
 * await keys.init();
 * const { kid, key } = await keys.signer();
 */
export class SigningKeys {
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;
  private readonly encryptionKey: Buffer;
  private readonly now: () => number;

  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly options: SigningKeysOptions,
  ) {
    this.encryptionKey = Buffer.from(hkdfSync('sha256', options.secret, 'poc-identity', 'signing-key-encryption', 32));
    this.now = options.now ?? Date.now;
  }

  /** Make sure a signer exists (creating the first key), and load the set. */
  async init(): Promise<void> {
    await this.ensureSigner();
    await this.reload();
  }

  /** The current signer (starting a rotation when the newest key is older than `rotateAfterMs`). */
  async signer(): Promise<{ kid: string; key: KeyObject }> {
    const loaded = await this.current();
    if (this.options.rotateAfterMs > 0 && this.now() - loaded.newestCreatedAt > this.options.rotateAfterMs) {
      await this.rotate({ ifOlderThanMs: this.options.rotateAfterMs });
    }
    return loaded.signer;
  }

  /** The public keys to publish: the signer and every retired key that may still have live tokens. */
  async jwks(): Promise<JSONWebKeySet> {
    return (await this.current()).jwks;
  }

  /** A jose key resolver over the published keys; an unknown `kid` reloads the set once. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const loaded = await this.current();
    try {
      return await loaded.getKey(header, token);
    } catch (error) {
      if (header.kid && !loaded.jwks.keys.some((k) => k.kid === header.kid) && this.now() - loaded.loadedAt > 1_000) {
        return (await this.reload()).getKey(header, token);
      }
      throw error;
    }
  };

  /**
   * Create the next key: published now, signing from now + `publishAheadMs`
   * (or now, with `immediately`). With `ifOlderThanMs`, only when the newest
   * key is that old, so concurrent replicas rotate once. Returns the new kid.
   */
  async rotate(options: { ifOlderThanMs?: number; immediately?: boolean } = {}): Promise<string | null> {
    const kid = await this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('identity-signing-keys'))`.execute(trx);
      const newest = await trx.selectFrom('identity.signing_keys').select(['created_at']).orderBy('seq', 'desc').executeTakeFirst();
      if (newest && options.ifOlderThanMs !== undefined && this.now() - newest.created_at.getTime() <= options.ifOlderThanMs) {
        return null;
      }
      return this.insertKey(trx, options.immediately ? 0 : (this.options.publishAheadMs ?? 0));
    });
    await this.reload();
    return kid;
  }

  private async ensureSigner(): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('identity-signing-keys'))`.execute(trx);
      const current = await trx.selectFrom('identity.signing_keys').select('kid').where('retired_at', 'is', null).executeTakeFirst();
      if (!current) await this.insertKey(trx, 0);
    });
  }

  private async insertKey(trx: Kysely<IdentityTables>, aheadMs: number): Promise<string> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const kid = uuidv7();
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' };
    await trx
      .insertInto('identity.signing_keys')
      .values({
        kid,
        alg: SIGNING_ALG,
        public_jwk: JSON.stringify(jwk),
        private_key: this.encrypt(privateKey.export({ format: 'der', type: 'pkcs8' })),
        created_at: new Date(this.now()),
        activates_at: new Date(this.now() + aheadMs),
      })
      .execute();
    return kid;
  }

  private current(): Promise<Loaded> {
    const loaded = this.loaded;
    if (loaded && this.now() - loaded.loadedAt < (this.options.reloadMs ?? 30_000)) return Promise.resolve(loaded);
    return this.reload();
  }

  private reload(): Promise<Loaded> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<Loaded> {
    const now = new Date(this.now());
    // A key whose successor has begun to sign is retired from then on, and its private half wiped.
    await sql`
      update identity.signing_keys k set retired_at = next.activates_at, private_key = null
      from identity.signing_keys next
      where next.seq > k.seq and next.activates_at <= ${now} and k.retired_at is null`.execute(this.db);
    const publishedAfter = new Date(now.getTime() - this.options.accessTokenTtlSeconds * 1000 - CLOCK_SKEW_MS);
    const rows = await this.db
      .selectFrom('identity.signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', publishedAfter)]))
      .orderBy('seq', 'desc')
      .execute();
    const signerRow = rows.find((r) => r.retired_at === null && r.private_key !== null && r.activates_at <= now);
    if (!signerRow?.private_key) throw new Error('identity has no signing key: run init() first');
    const jwks = { keys: rows.map((r) => r.public_jwk as unknown as JWK) };
    const loaded: Loaded = {
      signer: { kid: signerRow.kid, key: this.decrypt(signerRow.private_key) },
      newestCreatedAt: Math.max(...rows.map((r) => r.created_at.getTime())),
      jwks,
      getKey: createLocalJWKSet(jwks),
      loadedAt: now.getTime(),
    };
    this.loaded = loaded;
    return loaded;
  }

  private encrypt(plain: Buffer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  private decrypt(sealed: Buffer): KeyObject {
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, sealed.subarray(0, 12));
    decipher.setAAD(AAD);
    decipher.setAuthTag(sealed.subarray(12, 28));
    const der = Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  }
}
