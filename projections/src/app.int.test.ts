import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore, PostgresLogEventBus, PostgresSearch } from '@poc/platform';
import type { TestDatabase } from '@poc/platform/testing';
import { type ProjectorService, buildApp } from './app.ts';
import { loadServiceEnv } from './env.ts';
import { createProjectionsTestDatabase } from './testing/database.ts';

describe('the projector worker', () => {
  let t: TestDatabase<unknown>;
  let store: PostgresEventStore;
  let bus: PostgresLogEventBus;
  let service: ProjectorService;

  beforeAll(async () => {
    t = await createProjectionsTestDatabase('poc_projections_app');
    store = new PostgresEventStore(t.db, { url: t.url });
    bus = new PostgresLogEventBus(t.db, store);
    service = await buildApp({
      env: loadServiceEnv({ DATABASE_URL: t.url, LOG_LEVEL: 'silent' }),
      db: t.db,
      store,
      bus,
      search: new PostgresSearch(t.db),
      postgresLog: true,
      logger: false,
    });
    await service.app.ready();
  });
  afterAll(async () => {
    await service.app.close();
    await bus.close();
    await store.close();
    await t.drop();
  });

  it('reports the lag of each of its projections on /metrics, before and after they catch up', async () => {
    const lag = async (name: string) => {
      const text = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
      return Number(new RegExp(`^projector_lag_events\\{[^}]*projection="${name}"[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1]);
    };
    const ctx = { tenantId: randomUUID(), actor: 'user:u1', correlationId: 'c' };
    const data = { name: 'Lagging', description: '', languages: [], tags: [], repoUrl: null, status: 'idea', startedAt: null, finishedAt: null };
    await store.append(`poc-${randomUUID()}`, 'no_stream', [{ type: 'poc.created', schemaVersion: 2, data }], ctx);
    expect(await lag('pocs')).toBe(1);
    expect(await lag('analytics')).toBe(1);
    await service.projector.start();
    await service.analytics.start();
    const deadline = Date.now() + 15_000;
    while ((await lag('pocs')) + (await lag('analytics')) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await service.projector.stop();
    await service.analytics.stop();
    expect(await lag('pocs')).toBe(0);
    expect(await lag('analytics')).toBe(0);
  });
});
