/**
 * An in-memory stand-in for the platform, speaking ../shared/API.md at the
 * fetch level, for unit and screen tests of the app (the real platform is
 * exercised by e2e/app.e2e.test.ts). It keeps the behaviours the app relies
 * on: problem+json with field errors, refresh-token rotation with reuse
 * detection, Idempotency-Key replay, If-Match/412, a read side that lags
 * behind writes until a Consistency-Token asks it to catch up, and an
 * "offline" switch that makes every request fail like a dropped network.
 */
import type { Dojo, Poc, PocStatus } from '../api/types';

interface FakeResponse {
  status: number;
  ok: boolean;
  statusText: string;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

interface Account {
  userId: string;
  tenantId: string;
  tenantSlug: string;
  email: string;
  password: string;
  displayName: string;
}

function respond(status: number, body?: unknown, headers: Record<string, string> = {}): FakeResponse {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const all: Record<string, string> = {
    ...(body === undefined ? {} : { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' }),
    ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  };
  return {
    status,
    ok: status >= 200 && status < 300,
    statusText: String(status),
    headers: { get: (name) => all[name.toLowerCase()] ?? null },
    json: async () => JSON.parse(text),
    text: async () => text,
    arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer,
  };
}

const problem = (status: number, code: string, detail: string, errors?: { path: string; message: string }[]) =>
  respond(status, { type: `https://poc-tracker.dev/problems/${code}`, title: String(status), status, detail, code, instance: '/', ...(errors ? { errors } : {}) });

export function createFakeApi(options: { accessTtlSeconds?: number; now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  const ttl = options.accessTtlSeconds ?? 900;
  let seq = 0;
  const id = (prefix: string) => `${prefix}-${String(++seq).padStart(8, '0')}-0000-4000-8000-000000000000`.slice(0, 36);
  const accounts: Account[] = [];
  const tenants = new Map<string, { id: string; name: string; slug: string }>();
  const access = new Map<string, { account: Account; exp: number }>();
  const refresh = new Map<string, { account: Account; family: string; used: boolean }>();
  const revokedFamilies = new Set<string>();
  const pocs = new Map<string, Poc & { tenantId: string }>();
  const dojos = new Map<string, Dojo & { tenantId: string; code: string }>();
  const idempotent = new Map<string, FakeResponse>();
  const videos = new Map<string, { id: string; tenantId: string; year: number; status: string; progress: number; polls: number }>();
  /** POC ids the read side has seen (the projection lags until caught up). */
  const projected = new Set<string>();
  let position = 0;
  const positions = new Map<string, number>();

  const state = {
    requests: [] as FakeRequest[],
    offline: false,
    /** When false, writes show up in reads only once a Consistency-Token asks for them. */
    projectInstantly: false,
    /** Extra field errors the next POST /v1/pocs answers with (to test server-side validation). */
    rejectNextPocCreate: null as null | { path: string; message: string }[],
  };

  function issue(account: Account, family = id('fam')) {
    const accessToken = id('at');
    const refreshToken = id('rt');
    access.set(accessToken, { account, exp: now() + ttl * 1000 });
    refresh.set(refreshToken, { account, family, used: false });
    return { accessToken, refreshToken, expiresIn: ttl };
  }

  function authed(req: FakeRequest): Account | null {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const entry = token ? access.get(token) : undefined;
    if (!entry || entry.exp <= now()) return null;
    return entry.account;
  }

  function catchUpTo(token: string | undefined) {
    if (state.projectInstantly) return;
    const upTo = token ? Number(token.replace('pos-', '')) : 0;
    for (const [pocId, pos] of positions) if (pos <= upTo) projected.add(pocId);
  }

  function wrote(pocId: string): Record<string, string> {
    position += 1;
    positions.set(pocId, position);
    if (state.projectInstantly) projected.add(pocId);
    return { 'Consistency-Token': `pos-${position}` };
  }

  function visiblePocs(account: Account): Poc[] {
    return [...pocs.values()].filter((p) => p.tenantId === account.tenantId && projected.has(p.id));
  }

  function facet(items: Poc[], pick: (p: Poc) => string[]) {
    const counts = new Map<string, number>();
    for (const p of items) for (const v of pick(p)) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  }

  function validatePoc(body: Record<string, unknown>, partial: boolean): { path: string; message: string }[] {
    const errors: { path: string; message: string }[] = [];
    if (!partial || 'name' in body) {
      if (typeof body.name !== 'string' || body.name.trim().length < 1) errors.push({ path: 'body.name', message: 'must NOT have fewer than 1 characters' });
      else if (body.name.length > 200) errors.push({ path: 'body.name', message: 'must NOT have more than 200 characters' });
    }
    if (body.repoUrl != null && !/^https:\/\/github\.com\//.test(String(body.repoUrl))) errors.push({ path: 'body.repoUrl', message: 'must be an https://github.com/ URL' });
    return errors;
  }

  const normal = (list: unknown) => [...new Set(((list as string[] | undefined) ?? []).map((v) => v.trim().toLowerCase()).filter(Boolean))];

  function handle(req: FakeRequest): FakeResponse {
    const { method, path } = req;
    const body = (req.body ?? {}) as Record<string, unknown>;

    if (method === 'POST' && path === '/v1/tenants') {
      const admin = (body.admin ?? {}) as Record<string, string>;
      const errors: { path: string; message: string }[] = [];
      if (!body.name) errors.push({ path: 'body.name', message: 'must NOT have fewer than 1 characters' });
      if (!/^[a-z0-9-]{2,63}$/.test(String(body.slug ?? ''))) errors.push({ path: 'body.slug', message: 'must match the slug pattern' });
      if (!String(admin.email ?? '').includes('@')) errors.push({ path: 'body.admin.email', message: 'must match format "email"' });
      if (String(admin.password ?? '').length < 12) errors.push({ path: 'body.admin.password', message: 'must be at least 12 characters' });
      if (errors.length) return problem(400, 'PLATFORM_ERR_VALIDATION', 'The request is invalid', errors);
      if ([...tenants.values()].some((t) => t.slug === body.slug)) {
        return problem(409, 'IDENTITY_ERR_SLUG_TAKEN', 'This slug is taken', [{ path: 'body.slug', message: 'is already taken' }]);
      }
      const tenant = { id: id('ten'), name: String(body.name), slug: String(body.slug) };
      tenants.set(tenant.id, tenant);
      const account: Account = { userId: id('usr'), tenantId: tenant.id, tenantSlug: tenant.slug, email: admin.email!, password: admin.password!, displayName: admin.displayName! };
      accounts.push(account);
      return respond(201, { tenant, user: { id: account.userId, email: account.email, displayName: account.displayName, roles: ['owner'] }, ...issue(account) });
    }
    if (method === 'POST' && path === '/v1/auth/login') {
      const account = accounts.find((a) => a.tenantSlug === body.tenant && a.email === body.email && a.password === body.password);
      if (!account) return problem(401, 'IDENTITY_ERR_BAD_CREDENTIALS', 'Wrong tenant, email or password');
      return respond(200, issue(account));
    }
    if (method === 'POST' && path === '/v1/auth/refresh') {
      const entry = refresh.get(String(body.refreshToken));
      if (!entry || revokedFamilies.has(entry.family)) return problem(401, 'IDENTITY_ERR_BAD_REFRESH', 'Invalid refresh token');
      if (entry.used) {
        revokedFamilies.add(entry.family);
        return problem(401, 'IDENTITY_ERR_REFRESH_REUSED', 'Refresh token reused; the session is revoked');
      }
      entry.used = true;
      return respond(200, issue(entry.account, entry.family));
    }
    if (method === 'POST' && path === '/v1/auth/logout') {
      const entry = refresh.get(String(body.refreshToken));
      if (entry) revokedFamilies.add(entry.family);
      return respond(204);
    }

    const account = authed(req);
    if (!account) return problem(401, 'PLATFORM_ERR_UNAUTHENTICATED', 'Missing or invalid access token');

    if (method === 'GET' && path === '/v1/me') {
      const tenant = tenants.get(account.tenantId)!;
      return respond(200, { id: account.userId, email: account.email, displayName: account.displayName, roles: ['owner'], tenant });
    }

    const pocMatch = /^\/v1\/pocs\/([^/]+)$/.exec(path);
    if (path === '/v1/pocs' && method === 'POST') {
      if (state.rejectNextPocCreate) {
        const errors = state.rejectNextPocCreate;
        state.rejectNextPocCreate = null;
        return problem(400, 'POC_ERR_VALIDATION', 'The POC is invalid', errors);
      }
      const errors = validatePoc(body, false);
      if (errors.length) return problem(400, 'PLATFORM_ERR_VALIDATION', 'The request is invalid', errors);
      const at = new Date(now()).toISOString();
      const poc = {
        id: id('poc'),
        tenantId: account.tenantId,
        name: String(body.name),
        description: (body.description as string | undefined) ?? null,
        languages: normal(body.languages),
        tags: normal(body.tags),
        repoUrl: (body.repoUrl as string | undefined) ?? null,
        status: (body.status as PocStatus | undefined) ?? 'idea',
        startedAt: (body.startedAt as string | undefined) ?? null,
        finishedAt: (body.finishedAt as string | undefined) ?? null,
        createdAt: at,
        updatedAt: at,
        createdBy: account.userId,
        version: 1,
      };
      pocs.set(poc.id, poc);
      return respond(201, { id: poc.id, version: 1 }, wrote(poc.id));
    }
    if (path === '/v1/pocs/suggest' && method === 'GET') {
      const q = (req.query.get('q') ?? '').toLowerCase();
      const items = visiblePocs(account);
      const pick = (values: string[]) => [...new Set(values.filter((v) => v.toLowerCase().startsWith(q)))].slice(0, 5);
      return respond(200, { names: pick(items.map((p) => p.name)), tags: pick(items.flatMap((p) => p.tags)), languages: pick(items.flatMap((p) => p.languages)) });
    }
    if (path === '/v1/pocs' && method === 'GET') {
      catchUpTo(req.headers['consistency-token']);
      const q = (req.query.get('q') ?? '').toLowerCase();
      const languages = req.query.getAll('language');
      const tags = req.query.getAll('tag');
      const status = req.query.get('status');
      let items = visiblePocs(account).filter((p) => !q || `${p.name} ${p.description ?? ''} ${p.tags.join(' ')}`.toLowerCase().includes(q));
      const facets = { languages: facet(items, (p) => p.languages), tags: facet(items, (p) => p.tags), status: facet(items, (p) => [p.status]) };
      items = items.filter((p) => languages.every((l) => p.languages.includes(l)) && tags.every((t) => p.tags.includes(t)) && (!status || p.status === status));
      items.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
      const limit = Number(req.query.get('limit') ?? 20);
      const offset = Number(req.query.get('cursor') ?? 0);
      const page = items.slice(offset, offset + limit);
      return respond(200, { items: page, total: items.length, facets, nextCursor: offset + limit < items.length ? String(offset + limit) : null });
    }
    if (pocMatch) {
      const poc = pocs.get(pocMatch[1]!);
      if (!poc || poc.tenantId !== account.tenantId) return problem(404, 'POC_ERR_NOT_FOUND', 'No POC with this id');
      if (method === 'GET') {
        const { tenantId: _t, ...visible } = poc;
        return respond(200, visible, { ETag: `"${poc.version}"` });
      }
      if (method === 'PATCH') {
        if (String(poc.version) !== (req.headers['if-match'] ?? '').replace(/"/g, '')) {
          return problem(412, 'POC_ERR_VERSION_MOVED', `The POC is at version ${poc.version}`);
        }
        const errors = validatePoc(body, true);
        if (errors.length) return problem(400, 'PLATFORM_ERR_VALIDATION', 'The request is invalid', errors);
        Object.assign(poc, body, 'languages' in body ? { languages: normal(body.languages) } : {}, 'tags' in body ? { tags: normal(body.tags) } : {});
        poc.version += 1;
        poc.updatedAt = new Date(now()).toISOString();
        return respond(200, { id: poc.id, version: poc.version }, wrote(poc.id));
      }
      if (method === 'DELETE') {
        pocs.delete(poc.id);
        projected.delete(poc.id);
        return respond(204, undefined, { 'Consistency-Token': `pos-${++position}` });
      }
    }

    if (path === '/v1/dojos' && method === 'POST') {
      if (!body.title) return problem(400, 'PLATFORM_ERR_VALIDATION', 'The request is invalid', [{ path: 'body.title', message: 'must NOT have fewer than 1 characters' }]);
      const dojo = {
        id: id('dojo'),
        tenantId: account.tenantId,
        title: String(body.title),
        kata: (body.kata as string | undefined) ?? null,
        language: String(body.language ?? 'javascript'),
        status: 'scheduled' as const,
        scheduledAt: null,
        startedAt: null,
        endedAt: null,
        rotationMinutes: Number(body.rotationMinutes ?? 7),
        participants: [],
        createdBy: account.userId,
        code: String(body.starterCode ?? ''),
      };
      dojos.set(dojo.id, dojo);
      return respond(201, dojo);
    }
    if (path === '/v1/dojos' && method === 'GET') {
      return respond(200, { items: [...dojos.values()].filter((d) => d.tenantId === account.tenantId), nextCursor: null });
    }
    const dojoMatch = /^\/v1\/dojos\/([^/]+)(\/code|\/end)?$/.exec(path);
    if (dojoMatch) {
      const dojo = dojos.get(dojoMatch[1]!);
      if (!dojo || dojo.tenantId !== account.tenantId) return problem(404, 'DOJO_ERR_NOT_FOUND', 'No dojo with this id');
      if (dojoMatch[2] === '/code') return respond(200, { code: dojo.code, updatedAt: null });
      if (dojoMatch[2] === '/end' && method === 'POST') {
        Object.assign(dojo, { status: 'ended', endedAt: new Date(now()).toISOString() });
        return respond(200, dojo);
      }
      return respond(200, dojo);
    }
    if (path === '/v1/videos' && method === 'POST') {
      const video = { id: id('vid'), tenantId: account.tenantId, year: Number(body.year), status: 'queued' as string, progress: 0, polls: 0 };
      videos.set(video.id, video);
      return respond(202, { id: video.id, status: 'queued' });
    }
    const videoMatch = /^\/v1\/videos\/([^/]+)(\/content)?$/.exec(path);
    if (videoMatch && method === 'GET') {
      const video = videos.get(videoMatch[1]!);
      if (!video || video.tenantId !== account.tenantId) return problem(404, 'VIDEO_ERR_NOT_FOUND', 'No video with this id');
      if (videoMatch[2]) return respond(200, 'mp4 bytes', { 'content-type': 'video/mp4' });
      // Each poll moves the render on: queued → rendering 50% → done.
      video.polls += 1;
      if (video.polls === 2) Object.assign(video, { status: 'rendering', progress: 0.5 });
      if (video.polls >= 3) Object.assign(video, { status: 'done', progress: 1 });
      const { tenantId: _t, polls: _p, ...visible } = video;
      return respond(200, { ...visible, ...(video.status === 'done' ? { durationSeconds: 42 } : {}) });
    }
    if (path === '/v1/reports/summary' && method === 'GET') {
      const mine = [...pocs.values()].filter((p) => p.tenantId === account.tenantId);
      return respond(200, {
        totals: { pocs: mine.length, dojos: [...dojos.values()].filter((d) => d.tenantId === account.tenantId).length },
        byMonth: [{ month: '2026-01', count: mine.length }],
        byLanguage: facet(mine, (p) => p.languages),
        byTag: facet(mine, (p) => p.tags),
        byStatus: facet(mine, (p) => [p.status]),
        dojos: { total: 0 },
      });
    }
    if (path === '/v1/reports/pocs.csv' && method === 'GET') {
      const mine = [...pocs.values()].filter((p) => p.tenantId === account.tenantId);
      const csv = ['id,name,status', ...mine.map((p) => `${p.id},${p.name},${p.status}`)].join('\n');
      return respond(200, csv, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="pocs.csv"' });
    }
    return problem(404, 'PLATFORM_ERR_ROUTE_NOT_FOUND', `No route for ${method} ${path}`);
  }

  const fetchImpl = async (input: string | URL | Request, init: RequestInit = {}): Promise<FakeResponse> => {
    const url = new URL(String(input), 'http://fake.local');
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const req: FakeRequest = {
      method: (init.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    await Promise.resolve();
    if (state.offline) throw new TypeError('Network request failed');
    state.requests.push(req);
    const key = req.method === 'POST' ? headers['idempotency-key'] : undefined;
    const scoped = key ? `${headers.authorization ?? ''} ${req.path} ${key}` : undefined;
    if (scoped && idempotent.has(scoped)) return idempotent.get(scoped)!;
    const res = handle(req);
    if (scoped && res.status < 500) idempotent.set(scoped, res);
    return res;
  };

  return {
    state,
    fetch: fetchImpl as unknown as typeof fetch,
    /** POCs the platform holds (all tenants), as the write side knows them. */
    pocs: () => [...pocs.values()],
    /** Let the read side catch up with every write. */
    project: () => {
      for (const pocId of pocs.keys()) projected.add(pocId);
    },
    /** Expire every access token now (the next request gets a 401). */
    expireAccessTokens: () => {
      for (const entry of access.values()) entry.exp = 0;
    },
    /** Edit a POC behind the app's back (another user saving first). */
    editBehindTheBack: (pocId: string, patch: Partial<Poc>) => {
      const poc = pocs.get(pocId)!;
      Object.assign(poc, patch);
      poc.version += 1;
    },
    /** Sign up a tenant directly; returns its tokens. */
    seedAccount: (slug = 'acme', password = 'correct horse battery staple') =>
      handle({ method: 'POST', path: '/v1/tenants', query: new URLSearchParams(), headers: {}, body: { name: slug, slug, admin: { email: `owner@${slug}.test`, password, displayName: 'Olga Owner' } } }).json() as Promise<{
        accessToken: string;
        refreshToken: string;
        expiresIn: number;
      }>,
  };
}

export type FakeApi = ReturnType<typeof createFakeApi>;
