import { createHash } from 'node:crypto';
import { type Kysely, type Transaction, sql } from 'kysely';
import { asSystem, withTenant } from '@poc/platform';

/** The answer a first request got, replayed to its retries. */
export interface StoredAnswer {
  readonly statusCode: number;
  readonly body: unknown;
  readonly consistencyToken: string;
}

export interface IdempotencyRecord {
  readonly tenantId: string;
  readonly key: string;
  /** Who asked and what: a retry must match it, or it is a different request under a reused key. */
  readonly fingerprint: string;
  readonly answer: StoredAnswer;
}

/** The key was recorded by another request first (its transaction committed before ours could). */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('idempotency key already recorded');
    this.name = 'IdempotencyKeyTaken';
  }
}

/** JSON with object keys sorted, so that `{a,b}` and `{b,a}` fingerprint alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function fingerprint(userId: string, method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${userId}\n${method} ${path}\n${canonical(body)}`).digest('base64url');
}

/**
 * `Idempotency-Key` records in `pocs.idempotency_keys`, per (tenant, key).
 * `record` runs inside the event store's append transaction (see
 * `PostgresEventStore.append`'s `withinTransaction`), so the key and the
 * write commit or vanish together.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly ttlHours: number,
  ) {}

  /**
   * Record the key in the caller's transaction. If another request holds or
   * committed the same key, PostgreSQL makes this insert wait for it and then
   * skip; we throw `IdempotencyKeyTaken` so the append rolls back and the
   * caller replays the winner's answer.
   */
  async record(trx: Transaction<unknown>, record: IdempotencyRecord): Promise<void> {
    const inserted = await sql`
      insert into pocs.idempotency_keys (tenant_id, key, fingerprint, status_code, body, consistency_token)
      values (${record.tenantId}, ${record.key}, ${record.fingerprint}, ${record.answer.statusCode}, ${JSON.stringify(record.answer.body)}::jsonb, ${record.answer.consistencyToken})
      on conflict (tenant_id, key) do nothing`.execute(trx);
    if (Number(inserted.numAffectedRows ?? 0n) === 0) throw new IdempotencyKeyTaken();
  }

  async find(tenantId: string, key: string): Promise<{ fingerprint: string; answer: StoredAnswer } | null> {
    return withTenant(this.db, tenantId, async (trx) => {
      const result = await sql<{ fingerprint: string; status_code: number; body: unknown; consistency_token: string }>`
        select fingerprint, status_code, body, consistency_token from pocs.idempotency_keys where tenant_id = ${tenantId} and key = ${key}`.execute(trx);
      const row = result.rows[0];
      return row ? { fingerprint: row.fingerprint, answer: { statusCode: row.status_code, body: row.body, consistencyToken: row.consistency_token } } : null;
    });
  }

  /** Forget keys older than the retention period; returns how many. */
  async purgeExpired(): Promise<number> {
    return asSystem(this.db, async (trx) => {
      const result = await sql`delete from pocs.idempotency_keys where created_at < now() - make_interval(hours => ${this.ttlHours})`.execute(trx);
      return Number(result.numAffectedRows ?? 0n);
    });
  }
}
