import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type App, FsBlobStore, PostgresEventStore, PostgresLogEventBus, type Role, type TokenVerifier, asSystem } from '@poc/platform';
import { createTestDatabase, createTestIssuer, type TestDatabase, type TestIssuer } from '@poc/platform/testing';
import { buildApp } from '../app.ts';
import { loadServiceEnv } from '../env.ts';
import type { VideoRenderer } from '../render/remotion.ts';
import { migrateVideo } from '../store/migrations.ts';
import { VideoWorker, type WorkerOptions } from '../worker/worker.ts';

export interface TestUser {
  readonly tenantId: string;
  readonly userId: string;
  readonly auth: { authorization: string };
}

export interface SeedPoc {
  readonly name: string;
  readonly languages?: string[];
  readonly tags?: string[];
  readonly status?: 'idea' | 'in_progress' | 'done' | 'abandoned';
}

export interface VideoHarness {
  readonly app: App;
  readonly database: TestDatabase<unknown>;
  readonly store: PostgresEventStore;
  readonly blobs: FsBlobStore;
  readonly issuer: TestIssuer;
  user(roles?: Role[], tenantId?: string, displayName?: string): Promise<TestUser>;
  /** POCs created by the user now (this year), through the event store as the pocs service writes them. */
  seedPocs(user: TestUser, pocs: readonly SeedPoc[]): Promise<string[]>;
  /** A dojo the user joined now. */
  seedDojo(user: TestUser, title: string, language: string): Promise<void>;
  /** Start a worker on this database and bus with the given renderer. */
  startWorker(renderer: VideoRenderer, options?: Partial<WorkerOptions>): Promise<VideoWorker>;
  /** Poll `GET /v1/videos/:id` until its status is one of `statuses`. */
  waitFor(user: TestUser, id: string, statuses: string[], timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Every committed event of a tenant of the given types, by position (straight from the table). */
  eventsOf(tenantId: string, typePrefix?: string): Promise<{ type: string; data: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The video service on a fresh, migrated database, blobs in a temporary directory, an in-test token issuer. */
export async function startVideo(verifier?: TokenVerifier): Promise<VideoHarness> {
  const database = await createTestDatabase('poc_video');
  await migrateVideo(database.db);
  const issuer = await createTestIssuer();
  const store = new PostgresEventStore(database.db, { url: database.url });
  const dir = await mkdtemp(join(tmpdir(), 'poc-video-test-'));
  const blobs = new FsBlobStore({ root: join(dir, 'blobs') });
  const workers: VideoWorker[] = [];
  const buses: PostgresLogEventBus[] = [];
  const app = await buildApp({
    env: loadServiceEnv({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000', VIDEO_WORKER: 'false' }),
    db: database.db,
    blobs,
    verifier: verifier ?? issuer.verifier,
    onQueued: () => workers.forEach((w) => w.wake()),
    logger: false,
  });
  await app.ready();
  const harness: VideoHarness = {
    app,
    database,
    store,
    blobs,
    issuer,
    async user(roles = ['member'], tenantId = randomUUID(), displayName?: string) {
      const userId = randomUUID();
      const token = await issuer.token({ tenantId, userId, roles });
      if (displayName) {
        await store.append(`user-${userId}`, 'no_stream', [{ type: 'user.registered', schemaVersion: 1, data: { userId, email: `${userId}@example.com`, displayName, roles } }], {
          tenantId,
          actor: 'system:test',
          correlationId: randomUUID(),
        });
      }
      return { tenantId, userId, auth: { authorization: `Bearer ${token}` } };
    },
    async seedPocs(user, pocs) {
      const ids: string[] = [];
      for (const p of pocs) {
        const id = randomUUID();
        const data = { name: p.name, description: '', languages: p.languages ?? [], tags: p.tags ?? [], repoUrl: null, status: p.status ?? 'done', startedAt: null, finishedAt: null };
        await store.append(`poc-${id}`, 'no_stream', [{ type: 'poc.created', schemaVersion: 2, data }], { tenantId: user.tenantId, actor: `user:${user.userId}`, correlationId: randomUUID() });
        ids.push(id);
      }
      return ids;
    },
    async seedDojo(user, title, language) {
      const id = randomUUID();
      const now = new Date().toISOString();
      await store.append(
        `dojo-${id}`,
        'no_stream',
        [
          { type: 'dojo.scheduled', schemaVersion: 1, data: { title, kata: null, language, starterCode: '', scheduledAt: null, rotationMinutes: 7, createdBy: user.userId, createdAt: now } },
          { type: 'dojo.participant_joined', schemaVersion: 1, data: { userId: user.userId, displayName: 'x', kind: 'editor', joinedAt: now } },
        ],
        { tenantId: user.tenantId, actor: `user:${user.userId}`, correlationId: randomUUID() },
      );
    },
    async startWorker(renderer, options = {}) {
      const bus = new PostgresLogEventBus(database.db, store);
      buses.push(bus);
      const worker = new VideoWorker({
        db: database.db,
        bus,
        blobs,
        renderer,
        options: {
          workerId: `test-${randomUUID()}`,
          maxRenders: 1,
          tenantBudget: 1,
          maxAttempts: 2,
          retryBaseMs: 20,
          leaseMs: 60_000,
          progressIntervalMs: 0,
          pollMs: 100,
          workDir: join(dir, 'work'),
          pace: 1,
          ...options,
        },
      });
      await worker.start();
      workers.push(worker);
      return worker;
    },
    async waitFor(user, id, statuses, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const res = await app.inject({ method: 'GET', url: `/v1/videos/${id}`, headers: user.auth });
        const body = res.json() as Record<string, unknown>;
        if (statuses.includes(String(body.status))) return body;
        if (Date.now() > until) throw new Error(`video ${id} is still ${String(body.status)} (waited for ${statuses.join('|')})`);
        await sleep(50);
      }
    },
    eventsOf: (tenantId, typePrefix = '') =>
      asSystem(database.db, async (trx) =>
        (await sql<{ type: string; data: Record<string, unknown> }>`
          select type, data from eventstore.events where tenant_id = ${tenantId} and type like ${`${typePrefix}%`} order by position`.execute(trx)).rows,
      ),
    async close() {
      for (const w of workers.splice(0)) await w.stop();
      for (const b of buses.splice(0)) await b.close();
      await app.close();
      await store.close();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
