import { PostgresEventStore, TenantDatabases, TenantProvisioner, postgresSchemaStep, tenantSchemaName } from '@poc/platform';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, STRONG_PASSWORD, bearer, slug, startIdentity } from '../testing/harness.ts';

let h: Harness;
let broken = true;
let attempts = 0;
let store: PostgresEventStore;

beforeAll(async () => {
  // The real schema step, then a "search index" step that fails while `broken`.
  h = await startIdentity({
    env: { IDENTITY_PROVISIONING_WAIT_MS: '300', IDENTITY_PROVISIONING_RETRY_MS: '50' },
    provisioner: (db) =>
      new TenantProvisioner([
        postgresSchemaStep(new TenantDatabases(db)),
        {
          name: 'search-index',
          provision: async () => {
            attempts += 1;
            if (broken) throw new Error('search engine unreachable');
          },
        },
      ]),
  });
  store = new PostgresEventStore(h.db.db, { url: h.db.url });
});
afterAll(async () => {
  await store?.close();
  await h?.close();
});

/** Wait (bounded: a loaded machine delays the event log) until `check` holds. */
async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const login = (s: string) => h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { tenant: s, email: 'o@new.test', password: STRONG_PASSWORD } });

describe('onboarding when provisioning fails', () => {
  it('given a failing step, then 202, no token for the tenant (login 503) and retries; once the step works, the tenant is active and serves', async () => {
    const s = slug('retry');
    const res = await h.app.inject({ method: 'POST', url: '/v1/tenants', payload: { name: 'New', slug: s, admin: { email: 'o@new.test', password: STRONG_PASSWORD, displayName: 'O' } } });
    expect(res.statusCode).toBe(202);
    const body = res.json() as { tenant: { id: string }; status: string; accessToken?: string };
    expect(body.status).toBe('provisioning');
    expect(body.accessToken).toBeUndefined();

    const wrong = await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { tenant: s, email: 'o@new.test', password: 'a wrong password here' } });
    expect(wrong.statusCode).toBe(401);
    const early = await login(s);
    expect(early.statusCode).toBe(503);
    expect(early.headers['retry-after']).toBeDefined();
    expect(early.json()).toMatchObject({ code: 'IDENTITY_ERR_TENANT_PROVISIONING' });

    // Several failed runs, each recorded in the catalog, and still no token.
    await until(async () => attempts >= 2);
    const failing = await sql<{ status: string; attempts: number; last_error: string }>`select status, attempts, last_error from tenancy.catalog where tenant_id = ${body.tenant.id}`.execute(h.db.db);
    expect(failing.rows[0]).toMatchObject({ status: 'provisioning', last_error: expect.stringContaining('search engine unreachable') });
    expect(failing.rows[0]!.attempts).toBeGreaterThanOrEqual(1);
    expect((await login(s)).statusCode).toBe(503);

    broken = false;
    let answer = await login(s);
    await until(async () => (answer = await login(s)).statusCode === 200);
    expect(answer.statusCode).toBe(200);
    const me = await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer((answer.json() as { accessToken: string }).accessToken) });
    expect(me.json()).toMatchObject({ tenant: { id: body.tenant.id } });

    const schema = await sql`select 1 from information_schema.schemata where schema_name = ${tenantSchemaName(body.tenant.id)}`.execute(h.db.db);
    expect(schema.rows).toHaveLength(1);
    const events = await store.readStream(body.tenant.id, `tenant-${body.tenant.id}`);
    expect(events.map((e) => e.type)).toEqual(['tenant.onboarded', 'tenant.provisioned']);
    expect(events[0]!.data).toMatchObject({ slug: s, placement: { kind: 'pooled', schema: tenantSchemaName(body.tenant.id) } });
    expect(events[1]).toMatchObject({ causationId: events[0]!.id, actor: 'system:identity-provisioner' });
  });
});
