import { sql } from 'kysely';
import { asSystem } from '@poc/platform';
import { createTestDatabase, createTestIssuer, type TestDatabase } from '@poc/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pocIdForKey } from './idempotency.ts';
import { migratePocs } from './store/migrations.ts';
import { type ChildService, freePort, serveJwks, startChildService } from './testing/child-service.ts';

// kill -9 of the pocs process while creates are in flight, from a client that
// retries every create with its Idempotency-Key until it gets an answer.
// Afterwards every acknowledged POC exists exactly once, and no key made two.
// 2,500 creates here (under a minute on a busy 2-core machine); `pnpm drill:pocs-crash` runs 5,000.
const CREATES = Number(process.env.POCS_CRASH_CREATES ?? 2_500);
const CONCURRENCY = 64;
const KILL_AFTER_ACKS = Math.floor(CREATES / 3);

let database: TestDatabase<unknown>;
let jwks: Awaited<ReturnType<typeof serveJwks>>;
let service: ChildService | undefined;

beforeAll(async () => {
  database = await createTestDatabase('poc_crash');
  await migratePocs(database.db);
});
afterAll(async () => {
  service?.process.kill('SIGKILL');
  await service?.exited;
  await jwks?.close();
  await database?.drop();
});

describe('kill -9 during creates', () => {
  it(`given ${CREATES} creates in flight with idempotency keys, when the service is SIGKILLed and restarted, then every acknowledged POC exists exactly once`, { timeout: 120_000 }, async () => {
    const issuer = await createTestIssuer();
    jwks = await serveJwks(issuer.jwks);
    const tenantId = '7a1c0e52-0000-4000-8000-00000000c4a5';
    const token = await issuer.token({ tenantId, roles: ['member'], expiresIn: '10m' });
    const port = await freePort();
    const env = { DATABASE_URL: database.url, JWKS_URL: jwks.url, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '100000000', DATABASE_POOL_MAX: '20' };
    const start = () => startChildService('services/pocs/src/server.ts', { env, port });
    service = await start();

    const started = Date.now();
    const acked = new Map<number, string>();
    let replayed = 0;
    let inFlightAtKill = 0;
    let next = 0;
    let failures = 0;
    let failuresAfterKill = 0;
    let killed = false;
    let restarting: Promise<void> | undefined;

    const crash = async () => {
      killed = true;
      service!.process.kill('SIGKILL');
      await service!.exited;
      service = await start();
    };

    async function createWithRetries(i: number): Promise<void> {
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/pocs`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `crash-${i}` },
            body: JSON.stringify({ name: `crash ${i}`, tags: ['crash-test'] }),
            signal: AbortSignal.timeout(10_000),
          });
          if (res.status === 201) {
            if (res.headers.get('idempotent-replayed') === 'true') replayed++;
            acked.set(i, ((await res.json()) as { id: string }).id);
            return;
          }
          if (res.status < 500) throw new Error(`create ${i} answered ${res.status}: ${await res.text()}`);
          await res.body?.cancel();
        } catch (error) {
          if (error instanceof Error && error.message.startsWith(`create ${i} answered`)) throw error;
          // Refused connections are the restart window; anything else was cut mid-request.
          const cause = (error as { cause?: { code?: string } }).cause;
          if (killed && cause?.code !== 'ECONNREFUSED') inFlightAtKill++;
        }
        failures++;
        if (killed) failuresAfterKill++;
        if (attempt > 200) throw new Error(`create ${i} never succeeded`);
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }

    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CREATES) {
          const i = next++;
          await createWithRetries(i);
          if (!killed && acked.size >= KILL_AFTER_ACKS) restarting ??= crash();
        }
      }),
    );
    await restarting;

    // The crash hit requests in flight, and the client got every one acknowledged in the end.
    expect(killed).toBe(true);
    expect(failuresAfterKill).toBeGreaterThan(0);
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(acked.size).toBe(CREATES);

    const rows = await asSystem(database.db, async (trx) =>
      (await sql<{ stream_id: string; version: number; name: string }>`
        select stream_id, version, data->>'name' as name from eventstore.events where tenant_id = ${tenantId} and type = 'poc.created'`.execute(trx)).rows,
    );
    // Exactly one POC per create (no key produced two), and each acknowledged id is one of them.
    expect(rows).toHaveLength(CREATES);
    expect(new Set(rows.map((r) => r.name)).size).toBe(CREATES);
    const streams = new Set(rows.map((r) => r.stream_id));
    expect(streams.size).toBe(CREATES);
    expect(new Set(acked.values()).size).toBe(CREATES);
    for (const id of acked.values()) expect(streams.has(`poc-${id}`), id).toBe(true);
    // Each key's POC is the one its id names: the client got, for every key, the POC that key made.
    for (const [i, id] of acked) expect(id).toBe(pocIdForKey(tenantId, `crash-${i}`));
    console.log(
      `crash drill: ${CREATES} creates in ${((Date.now() - started) / 1000).toFixed(1)} s, SIGKILL after ${KILL_AFTER_ACKS} acks; ` +
        `${inFlightAtKill} requests cut in flight, ${failures} failed attempts retried, ${replayed} answers replayed from an earlier attempt`,
    );
  });
});
