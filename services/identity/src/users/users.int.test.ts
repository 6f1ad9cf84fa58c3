import { PostgresEventStore } from '@poc/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, STRONG_PASSWORD, bearer, onboard, startIdentity } from '../testing/harness.ts';

let h: Harness;
let store: PostgresEventStore;
beforeAll(async () => {
  h = await startIdentity();
  store = new PostgresEventStore(h.db.db, { url: h.db.url });
});
afterAll(async () => {
  await store?.close();
  await h?.close();
});

const createUser = (token: string, body: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/v1/users', headers: bearer(token), payload: body });
const member = (email: string, roles = ['member']) => ({ email, password: STRONG_PASSWORD, displayName: 'Mia Member', roles });
const loginAs = async (slug: string, email: string) =>
  (await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { tenant: slug, email, password: STRONG_PASSWORD } })).json() as { accessToken: string };
const listUsers = async (token: string) => ((await h.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(token) })).json() as { items: { email: string }[] }).items;

describe('users', () => {
  it('given the same email in two tenants, then they are two users, each logging in to their own tenant', async () => {
    const a = await onboard(h.app, { email: 'shared@mail.test' });
    const b = await onboard(h.app, { email: 'owner-b@mail.test' });
    const res = await createUser(b.accessToken, member('shared@mail.test'));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ email: 'shared@mail.test', roles: ['member'] });
    expect(res.json().id).not.toBe(a.user.id);
    const inB = await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer((await loginAs(b.slug, 'shared@mail.test')).accessToken) });
    expect(inB.json()).toMatchObject({ tenant: { id: b.tenant.id }, roles: ['member'] });
    expect((await listUsers(a.accessToken)).map((u) => u.email)).toEqual(['shared@mail.test']);
  });

  it('records user.registered in the event store with the full envelope, correlated to the request and its trace', async () => {
    const t = await onboard(h.app);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await h.app.inject({ method: 'POST', url: '/v1/users', headers: { ...bearer(t.accessToken), traceparent, 'x-request-id': 'req-eve-1' }, payload: member('eve@acme.test') });
    const id = (res.json() as { id: string }).id;
    const [event] = await store.readStream(t.tenant.id, `user-${id}`);
    expect(event).toMatchObject({
      type: 'user.registered',
      schemaVersion: 1,
      tenantId: t.tenant.id,
      aggregateId: id,
      aggregateVersion: 1,
      actor: `user:${t.user.id}`,
      data: { userId: id, email: 'eve@acme.test', roles: ['member'] },
    });
    expect(event).toMatchObject({ correlationId: 'req-eve-1', traceparent });
    expect(JSON.stringify(event)).not.toContain('argon2');
  });

  it('refuses a common password with a problem naming the field, and creates nobody', async () => {
    const t = await onboard(h.app);
    const res = await createUser(t.accessToken, { ...member('weak@acme.test'), password: 'leavemealone' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'IDENTITY_ERR_PASSWORD_COMMON', errors: [{ path: 'body.password' }] });
    expect((await listUsers(t.accessToken)).map((u) => u.email)).not.toContain('weak@acme.test');
  });

  it('refuses onboarding with a common password, naming body.admin.password, and creates no tenant', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/tenants',
      payload: { name: 'Weak', slug: 'weak-co', admin: { email: 'w@weak.test', password: 'qwerty123456', displayName: 'W' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'IDENTITY_ERR_PASSWORD_COMMON', errors: [{ path: 'body.admin.password' }] });
    const login = await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { tenant: 'weak-co', email: 'w@weak.test', password: 'qwerty123456' } });
    expect(login.statusCode).toBe(401);
  });

  it('refuses a taken slug with 409 and a duplicate email in one tenant with 409', async () => {
    const t = await onboard(h.app);
    const dup = await h.app.inject({ method: 'POST', url: '/v1/tenants', payload: { name: 'X', slug: t.slug, admin: { email: 'x@x.test', password: STRONG_PASSWORD, displayName: 'X' } } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'IDENTITY_ERR_SLUG_TAKEN' });
    expect((await createUser(t.accessToken, member('twice@acme.test'))).statusCode).toBe(201);
    const again = await createUser(t.accessToken, member('TWICE@acme.test'));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'IDENTITY_ERR_EMAIL_TAKEN' });
  });

  it('lets only owners and admins manage users, and only owners grant the owner role', async () => {
    const t = await onboard(h.app);
    await createUser(t.accessToken, member('m@acme.test'));
    await createUser(t.accessToken, member('adm@acme.test', ['admin']));
    const memberToken = (await loginAs(t.slug, 'm@acme.test')).accessToken;
    const adminToken = (await loginAs(t.slug, 'adm@acme.test')).accessToken;
    expect((await createUser(memberToken, member('x@acme.test'))).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(memberToken) })).statusCode).toBe(403);
    expect((await createUser(adminToken, member('y@acme.test', ['owner']))).statusCode).toBe(403);
    expect((await createUser(adminToken, member('z@acme.test', ['analyst']))).statusCode).toBe(201);
  });

  it('changes roles with user.role_changed, keeps the last owner, and the next refresh carries the new roles', async () => {
    const t = await onboard(h.app);
    const created = (await createUser(t.accessToken, member('r@acme.test'))).json() as { id: string };
    const session = (await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { tenant: t.slug, email: 'r@acme.test', password: STRONG_PASSWORD } })).json() as { refreshToken: string };
    const put = (id: string, roles: string[]) => h.app.inject({ method: 'PUT', url: `/v1/users/${id}/roles`, headers: bearer(t.accessToken), payload: { roles } });
    const res = await put(created.id, ['admin', 'analyst']);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ roles: ['admin', 'analyst'] });
    const events = await store.readStream(t.tenant.id, `user-${created.id}`);
    expect(events.map((e) => [e.type, e.aggregateVersion])).toEqual([['user.registered', 1], ['user.role_changed', 2]]);
    expect(events[1]!.data).toEqual({ userId: created.id, from: ['member'], to: ['admin', 'analyst'] });
    const refreshed = (await h.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: session.refreshToken } })).json() as { accessToken: string };
    expect((await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(refreshed.accessToken) })).json()).toMatchObject({ roles: ['admin', 'analyst'] });
    const last = await put(t.user.id, ['admin']);
    expect(last.statusCode).toBe(409);
    expect(last.json()).toMatchObject({ code: 'IDENTITY_ERR_LAST_OWNER' });
  });

  it('pages the user list with a cursor', async () => {
    const t = await onboard(h.app);
    for (const n of [1, 2, 3]) await createUser(t.accessToken, member(`p${n}@acme.test`));
    const first = (await h.app.inject({ method: 'GET', url: '/v1/users?limit=2', headers: bearer(t.accessToken) })).json() as { items: { email: string }[]; nextCursor: string };
    expect(first.items.map((u) => u.email)).toEqual(['owner@acme.test', 'p1@acme.test']);
    const second = (await h.app.inject({ method: 'GET', url: `/v1/users?limit=2&cursor=${first.nextCursor}`, headers: bearer(t.accessToken) })).json() as { items: { email: string }[]; nextCursor: string | null };
    expect(second.items.map((u) => u.email)).toEqual(['p2@acme.test', 'p3@acme.test']);
    expect(second.nextCursor).toBeNull();
  });
});
