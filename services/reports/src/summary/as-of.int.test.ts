import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rebuild, ReportSummary } from '@poc/contracts';
import { tenantSchemaName } from '@poc/platform';
import { type ReportsHarness, type TestUser, startReports } from '../testing/harness.ts';

// Given POCs created, edited and deleted (and a dojo held) at known instants, when the summary is asked
// as of each instant, then it is what the data was then, whatever happened later.
describe('GET /v1/reports/summary?asOf, and rebuilds', () => {
  let h: ReportsHarness;
  let owner: TestUser;
  let member: TestUser;
  let tenantId: string;
  const instants: Record<string, string> = {};
  const tick = async (name: string) => {
    await new Promise((r) => setTimeout(r, 5));
    instants[name] = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
  };
  const summary = async (user: TestUser, qs = '') => {
    const res = await h.reports.inject({ method: 'GET', url: `/v1/reports/summary?${qs}`, headers: user.auth });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ReportSummary>();
  };
  const asOf = (name: string, user = owner) => summary(user, `asOf=${encodeURIComponent(instants[name]!)}`);

  beforeAll(async () => {
    h = await startReports();
    tenantId = randomUUID();
    owner = await h.user(['owner'], tenantId);
    member = await h.user(['member'], tenantId);
    await tick('empty');
    const write = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>, headers: Record<string, string> = {}, user = owner) => {
      const res = await h.pocs.inject({ method, url, headers: { ...user.auth, ...headers }, ...(payload ? { payload } : {}) });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.body ? res.json<{ id: string; version: number }>() : null;
    };
    const rust = (await write('POST', '/v1/pocs', { name: 'Rust parser', languages: ['Rust'], tags: ['parsing'] }))!;
    await write('POST', '/v1/pocs', { name: 'Go gateway', languages: ['Go'], tags: ['api'] }, {}, member);
    await tick('created');
    const edited = (await write('PATCH', `/v1/pocs/${rust.id}`, { languages: ['Zig'], tags: ['parsing', 'compilers'], status: 'done' }, { 'if-match': String(rust.version) }))!;
    await tick('edited');
    await write('DELETE', `/v1/pocs/${rust.id}`, undefined, { 'if-match': String(edited.version) });
    await tick('deleted');
    // A dojo: scheduled, started, two people join, ended 30 minutes later (the dojo service's events).
    const dojo = randomUUID();
    const ctx = { tenantId, actor: `user:${owner.userId}`, correlationId: randomUUID() };
    const start = new Date(Date.parse(instants.deleted!) - 3_600_000).toISOString();
    const end = new Date(Date.parse(start) + 30 * 60_000).toISOString();
    await h.store.append(`dojo-${dojo}`, 'no_stream', [
      { type: 'dojo.scheduled', schemaVersion: 1, data: { title: 'Kata', kata: null, language: 'go', starterCode: '', scheduledAt: null, rotationMinutes: 7, createdBy: owner.userId, createdAt: start } },
      { type: 'dojo.started', schemaVersion: 1, data: { startedAt: start, startedBy: owner.userId } },
      { type: 'dojo.participant_joined', schemaVersion: 1, data: { userId: owner.userId, displayName: 'Owner', kind: 'editor', joinedAt: start } },
      { type: 'dojo.participant_joined', schemaVersion: 1, data: { userId: member.userId, displayName: 'Member', kind: 'editor', joinedAt: start } },
      { type: 'dojo.participant_left', schemaVersion: 1, data: { userId: member.userId, leftAt: start } },
      { type: 'dojo.participant_joined', schemaVersion: 1, data: { userId: member.userId, displayName: 'Member', kind: 'editor', joinedAt: start } },
      { type: 'dojo.ended', schemaVersion: 1, data: { endedAt: end, endedBy: owner.userId } },
    ], ctx);
    await tick('dojo');
    await h.settle();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('as of each instant, the summary is what the data was then', async () => {
    expect((await asOf('empty')).totals.pocs).toBe(0);
    const created = await asOf('created');
    expect(created.totals).toEqual({ pocs: 2, languages: 2, tags: 2, members: 2 });
    expect(created.byLanguage).toEqual([{ value: 'go', count: 1 }, { value: 'rust', count: 1 }]);
    expect(created.byStatus.find((s) => s.value === 'idea')!.count).toBe(2);
    expect(created.asOf).toBe(instants.created);
    const edited = await asOf('edited');
    expect(edited.byLanguage).toEqual([{ value: 'go', count: 1 }, { value: 'zig', count: 1 }]);
    expect(edited.byTag).toEqual([{ value: 'api', count: 1 }, { value: 'compilers', count: 1 }, { value: 'parsing', count: 1 }]);
    expect(edited.byStatus.find((s) => s.value === 'done')!.count).toBe(1);
    const deleted = await asOf('deleted');
    expect(deleted.totals.pocs).toBe(1);
    expect(deleted.byLanguage).toEqual([{ value: 'go', count: 1 }]);
    expect(deleted.dojos).toEqual({ held: 0, participants: 0, minutes: 0 });
    expect((await asOf('dojo')).dojos).toEqual({ held: 1, participants: 2, minutes: 30 });
  });

  it("today's summary (the analytics projection) equals the replay as of now, for the tenant and for a member", async () => {
    const now = encodeURIComponent(new Date().toISOString());
    const strip = ({ asOf: _, ...s }: ReportSummary) => s;
    expect(strip(await summary(owner))).toEqual(strip(await summary(owner, `asOf=${now}`)));
    const own = await summary(member);
    expect(own.totals.pocs).toBe(1);
    expect(own.dojos.held).toBe(1);
    expect(strip(own)).toEqual(strip(await summary(member, `asOf=${now}`)));
    const period = `from=${encodeURIComponent(instants.empty!)}&to=${encodeURIComponent(instants.created!)}`;
    expect(strip(await summary(owner, period))).toEqual(strip(await summary(owner, `${period}&asOf=${now}`)));
  });

  it('as of a past instant, another tenant sees nothing of this one', async () => {
    const stranger = await h.user(['owner']);
    const s = await summary(stranger, `asOf=${encodeURIComponent(instants.dojo!)}`);
    expect(s.totals.pocs).toBe(0);
    expect(s.dojos.held).toBe(0);
  });

  it('POST /v1/reports/rebuilds rebuilds the analytics projection from the history, with progress, to the same summary', async () => {
    const before = await summary(owner);
    // Lose the live analytics rows: only a replay of the history can bring them back.
    await sql`delete from ${sql.id(tenantSchemaName(tenantId), 'analytics_pocs')}`.execute(h.database.db);
    await sql`delete from ${sql.id(tenantSchemaName(tenantId), 'analytics_dojos')}`.execute(h.database.db);
    expect((await summary(owner)).totals.pocs).toBe(0);
    const refused = await h.reports.inject({ method: 'POST', url: '/v1/reports/rebuilds', headers: member.auth, payload: { projection: 'analytics' } });
    expect(refused.statusCode).toBe(403);
    const bad = await h.reports.inject({ method: 'POST', url: '/v1/reports/rebuilds', headers: owner.auth, payload: { projection: 'everything' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    const res = await h.reports.inject({ method: 'POST', url: '/v1/reports/rebuilds', headers: owner.auth, payload: { projection: 'analytics' } });
    expect(res.statusCode, res.body).toBe(202);
    const { id } = res.json<{ id: string }>();
    let rebuild: Rebuild;
    for (;;) {
      const progress = await h.reports.inject({ method: 'GET', url: `/v1/reports/rebuilds/${id}`, headers: owner.auth });
      expect(progress.statusCode, progress.body).toBe(200);
      rebuild = progress.json<Rebuild>();
      if (rebuild.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(rebuild).toMatchObject({ id, projection: 'analytics', status: 'done', progress: 1, error: null, events: rebuild.totalEvents });
    expect(rebuild.totalEvents).toBe((await h.store.readAll(null, { tenantId, limit: 1000 })).length);
    const strip = ({ asOf: _, ...s }: ReportSummary) => s;
    expect(strip(await summary(owner))).toEqual(strip(before));
    const foreign = await h.reports.inject({ method: 'GET', url: `/v1/reports/rebuilds/${id}`, headers: (await h.user(['owner'])).auth });
    expect(foreign.statusCode).toBe(404);
  });
});
