/**
 * The app's web build in headless Chromium against the real platform
 * (scripts/start.ts: every service, the edge serving the build at /):
 * sign up, create a POC, find it by a typo'd search, a dojo in two browser
 * contexts that see each other's typing, the CSV download, a POC created
 * offline and sent once. Takes the README screenshots on the way
 * (`UPDATE_SCREENSHOTS=1` writes them to docs/app/).
 *
 * Each step names the feature and the API it needs, and runs whenever the
 * platform serves that API. When it does not: outside CI the step is skipped
 * (with the reason); in CI it fails, unless its feature is in PENDING, the
 * features whose server side has not landed on main yet (remove a feature from
 * it when it lands; its steps run by themselves as soon as the API is there).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { ensureWebBuild, hasChromium, launchChromium, repoRoot, type RunningPlatform, servedPaths, startPlatform } from './harness';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const shotsDir = process.env.UPDATE_SCREENSHOTS ? join(repoRoot, 'docs/app') : join(tmpdir(), 'poc-app-screenshots');
mkdirSync(shotsDir, { recursive: true });
const PASSWORD = 'a long enough passphrase 42';
const slug = `e2e-${Date.now().toString(36)}`;
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'en-US' } as const;

let platform: RunningPlatform | undefined;
let browser: Browser | undefined;
let served = new Set<string>();
let owner: BrowserContext;
let page: Page;
let pocName = '';
const done = new Set<string>();

type Feature = 'identity' | 'pocs' | 'search' | 'dojos' | 'reports' | 'videos';
/** Features whose server side is not on main yet (issue #10 note): their steps may be skipped in CI. */
const PENDING = new Set<Feature>([]);

function need(ctx: TestContext, feature: Feature, apis: string[], steps: string[] = []): void {
  const missing = apis.filter((a) => !served.has(a));
  const notDone = steps.filter((s) => !done.has(s));
  if (missing.length === 0 && notDone.length === 0) return;
  const reason = [missing.length ? `the platform does not serve ${missing.join(', ')} yet` : '', notDone.length ? `needs step(s) ${notDone.join(', ')}` : ''].filter(Boolean).join('; ');
  if (CI && missing.length > 0 && !PENDING.has(feature)) throw new Error(`"${ctx.task.name}" cannot run: ${reason} (${feature} is not pending)`);
  console.warn(`[app e2e] skipped "${ctx.task.name}": ${reason}`);
  ctx.skip();
}

async function shot(p: Page, name: string): Promise<void> {
  await p.waitForTimeout(300); // let fonts and transitions settle
  await p.screenshot({ path: join(shotsDir, `${name}.png`) });
}

async function session(p: Page): Promise<{ accessToken: string }> {
  return JSON.parse((await p.evaluate(() => localStorage.getItem('poc-tracker.session'))) ?? 'null') as { accessToken: string };
}

async function api<T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${platform!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

beforeAll(async () => {
  if (!hasChromium()) {
    if (CI) throw new Error('Chromium is missing at /usr/bin/chromium (apt-get install -y chromium)');
    return;
  }
  ensureWebBuild();
  platform = await startPlatform();
  served = await servedPaths(platform.url);
  browser = await launchChromium();
  owner = await browser.newContext(phone);
  page = await owner.newPage();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
}, 60_000);

describe.skipIf(!CI && !hasChromium())('the app in a browser, against the platform', () => {
  it('is served by the edge at / (deep links too) and opens on the login screen', async () => {
    const res = await fetch(`${platform!.url}/pocs/123`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
    await page.goto(platform!.url);
    await expect.poll(() => page.getByTestId('login-screen').isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await page.title()).toContain('POC Tracker');
    await shot(page, 'login');
    done.add('served');
  });

  it('signs up: the organisation and its owner are created and the POC list opens', async (ctx) => {
    need(ctx, 'identity', ['POST /v1/tenants', 'POST /v1/auth/login'], ['served']);
    await page.getByTestId('go-signup').click();
    await page.getByTestId('signup-organisation').fill('E2E Labs');
    await page.getByTestId('signup-slug').fill(slug);
    await page.getByTestId('signup-name').fill('Olga Owner');
    await page.getByTestId('signup-email').fill('olga@e2e.test');
    await page.getByTestId('signup-password').fill('short');
    await page.getByTestId('signup-submit').click();
    // The server's own rule, shown on the field.
    await expect.poll(() => page.getByTestId('signup-password-error').isVisible(), { timeout: 10_000 }).toBe(true);
    await shot(page, 'signup-errors');
    await page.getByTestId('signup-password').fill(PASSWORD);
    await page.getByTestId('signup-submit').click();
    await expect.poll(() => page.getByTestId('poc-list-screen').isVisible(), { timeout: 15_000 }).toBe(true);
    expect((await session(page)).accessToken).toBeTruthy();
    done.add('signup');
  });

  it('logs out and logs in again with organisation, email and password', async (ctx) => {
    need(ctx, 'identity', ['POST /v1/auth/login', 'POST /v1/auth/logout', 'GET /v1/me'], ['signup']);
    await page.getByTestId('tab-account').click();
    await expect.poll(() => page.getByTestId('account-me').textContent(), { timeout: 10_000 }).toContain('olga@e2e.test');
    await page.getByTestId('logout').click();
    await expect.poll(() => page.getByTestId('login-screen').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await session(page)).toBeNull();
    await expect.poll(() => page.getByTestId('login-tenant').inputValue()).toBe(''); // nothing of the session stays
    await page.getByTestId('login-tenant').fill(slug);
    await page.getByTestId('login-email').fill('olga@e2e.test');
    await page.getByTestId('login-password').fill('not the password 1');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent(), { timeout: 10_000 }).toContain('Wrong organisation, email or password');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('poc-list-screen').isVisible(), { timeout: 15_000 }).toBe(true);
  });

  it('creates a POC that is in the list at once', async (ctx) => {
    need(ctx, 'search', ['POST /v1/pocs', 'GET /v1/pocs'], ['signup']);
    pocName = 'Kubernetes operator for previews';
    await page.getByTestId('poc-new').click();
    await page.getByTestId('poc-name').fill(pocName);
    await page.getByTestId('poc-description-input').fill('Spins up a preview environment per pull request.');
    await page.getByTestId('poc-languages').fill('Go, TypeScript');
    await page.getByTestId('poc-tags').fill('k8s, devex');
    await page.getByTestId('poc-repo').fill('https://github.com/e2e-labs/preview-operator');
    await page.getByTestId('poc-status-in_progress').click();
    await shot(page, 'poc-form');
    await page.getByTestId('poc-save').click();
    await expect.poll(() => page.getByText(pocName).first().isVisible(), { timeout: 15_000 }).toBe(true);
    done.add('create');
  });

  it('finds it again by a typo\u2019d search, with facets', async (ctx) => {
    need(ctx, 'search', ['GET /v1/pocs', 'GET /v1/pocs/suggest'], ['create']);
    const { accessToken } = await session(page);
    for (const [name, languages, tags, status] of [
      ['Edge cache in Lua', ['lua'], ['perf', 'cdn'], 'done'],
      ['Event-sourced billing', ['typescript'], ['ddd'], 'idea'],
      ['Rust WASM image resizer', ['rust'], ['perf'], 'abandoned'],
    ] as const) {
      expect((await api('POST', '/v1/pocs', accessToken, { name, languages, tags, status })).status).toBe(201);
    }
    await page.getByTestId('poc-search').fill('kubernets');
    await expect.poll(() => page.getByText(pocName).first().isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => page.getByText('Edge cache in Lua').isVisible(), { timeout: 5_000 }).toBe(false);
    await shot(page, 'poc-search');
    await page.getByTestId('poc-search').fill('');
    await expect.poll(() => page.getByText('Edge cache in Lua').isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => page.getByTestId('facet-language-go').isVisible()).toBe(true);
    await shot(page, 'poc-list');
    await page.getByText(pocName).first().click();
    await expect.poll(() => page.getByTestId('poc-detail-screen').isVisible(), { timeout: 10_000 }).toBe(true);
    await shot(page, 'poc-detail');
    await page.goBack();
    done.add('search');
  });

  it('queues a POC created offline and sends it once when back online', async (ctx) => {
    need(ctx, 'pocs', ['POST /v1/pocs'], ['signup']);
    const sent: { key: string | undefined; status: number; body: string }[] = [];
    page.on('response', (res) => {
      const req = res.request();
      if (req.method() === 'POST' && new URL(res.url()).pathname === '/v1/pocs') sent.push({ key: req.headers()['idempotency-key'], status: res.status(), body: req.postData() ?? '' });
    });
    await page.goto(platform!.url);
    await expect.poll(() => page.getByTestId('poc-list-screen').isVisible(), { timeout: 15_000 }).toBe(true);
    await owner.setOffline(true);
    await page.getByTestId('poc-new').click();
    await expect.poll(() => page.getByTestId('poc-form-offline').isVisible(), { timeout: 5_000 }).toBe(true);
    await page.getByTestId('poc-name').fill('Written on the train');
    await page.getByTestId('poc-save').click();
    await expect.poll(() => page.getByText('Waiting to be sent').isVisible(), { timeout: 10_000 }).toBe(true);
    if (served.has('GET /v1/pocs')) await shot(page, 'poc-offline-queue');
    await owner.setOffline(false);
    await expect.poll(() => page.getByText('Waiting to be sent').isVisible(), { timeout: 30_000 }).toBe(false);
    // Sent once, with the key it was queued with, and created.
    const mine = sent.filter((r) => r.body.includes('Written on the train'));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: 201, key: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    if (served.has('GET /v1/pocs')) {
      const { accessToken } = await session(page);
      const found = await api<{ items: { name: string }[] }>('GET', '/v1/pocs?name=Written%20on%20the%20train&limit=100', accessToken);
      expect(found.body.items.filter((p) => p.name === 'Written on the train')).toHaveLength(1);
    }
  });

  it('opens a dojo in two browser contexts that see each other\u2019s typing', async (ctx) => {
    need(ctx, 'dojos', ['POST /v1/dojos', 'GET /v1/dojos/{id}'], ['signup']);
    await page.getByTestId('tab-dojos').click();
    await page.getByTestId('dojo-new').click();
    await page.getByTestId('dojo-title').fill('Friday kata');
    await page.getByTestId('dojo-kata').fill('Bowling score');
    await page.getByTestId('dojo-language-javascript').click();
    await page.getByTestId('dojo-create-submit').click();
    await expect.poll(() => page.locator('.cm-content').isVisible(), { timeout: 20_000 }).toBe(true);
    const dojoUrl = page.url();
    expect(dojoUrl).toMatch(/\/dojos\/[0-9a-f-]+$/);

    // The second participant: a member of the organisation if users can be added, else the owner on a second device.
    const { accessToken } = await session(page);
    const guest = await browser!.newContext({ ...phone, colorScheme: 'dark' });
    const second = await guest.newPage();
    const member = served.has('POST /v1/users') ? await api('POST', '/v1/users', accessToken, { email: 'marcos@e2e.test', password: PASSWORD, displayName: 'Marcos Member', roles: ['member'] }) : null;
    if (member?.status === 201) {
      await second.goto(platform!.url);
      await second.getByTestId('login-tenant').fill(slug);
      await second.getByTestId('login-email').fill('marcos@e2e.test');
      await second.getByTestId('login-password').fill(PASSWORD);
      await second.getByTestId('login-submit').click();
      await expect.poll(() => second.getByTestId('poc-list-screen').isVisible(), { timeout: 15_000 }).toBe(true);
    } else {
      const stored = await page.evaluate(() => localStorage.getItem('poc-tracker.session'));
      await guest.addInitScript((value) => localStorage.setItem('poc-tracker.session', value!), stored);
    }
    await second.goto(dojoUrl);
    await expect.poll(() => second.locator('.cm-content').isVisible(), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => page.getByTestId('dojo-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
    await expect.poll(() => second.getByTestId('dojo-connection').textContent(), { timeout: 15_000 }).toBe('Connected');

    await page.locator('.cm-content').click();
    await page.keyboard.type('function score(rolls) {\n  return rolls.reduce((a, b) => a + b, 0);\n}\n');
    await expect.poll(() => second.locator('.cm-content').innerText(), { timeout: 10_000 }).toContain('function score(rolls)');
    await second.locator('.cm-content').click();
    await second.keyboard.press('Control+End');
    await second.keyboard.type('// strikes next');
    await expect.poll(() => page.locator('.cm-content').innerText(), { timeout: 10_000 }).toContain('// strikes next');
    // Awareness: the other participant's cursor (with its name) is drawn in the editor.
    await expect.poll(() => page.locator('.cm-ySelectionCaret').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await shot(page, 'dojo-room');
    await shot(second, 'dojo-room-dark');
    await guest.close();
    done.add('dojo');
  });

  it('downloads the CSV report of the POCs', async (ctx) => {
    need(ctx, 'reports', ['GET /v1/reports/pocs.csv'], ['create']);
    await page.goto(`${platform!.url}/reports`);
    await expect.poll(() => page.getByTestId('reports-screen').isVisible(), { timeout: 15_000 }).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('report-csv').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).toMatch(/name/i);
    expect(csv).toContain(pocName);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    await expect.poll(() => page.getByTestId('report-summary').isVisible(), { timeout: 15_000 }).toBe(served.has('GET /v1/reports/summary'));
    await shot(page, 'reports');
  });

  it('asks for the year in review and follows its progress', async (ctx) => {
    need(ctx, 'videos', ['POST /v1/videos', 'GET /v1/videos/{id}'], ['signup']);
    await page.goto(`${platform!.url}/year`);
    await page.getByTestId('video-request').click();
    await expect.poll(() => page.getByTestId('video-status').isVisible(), { timeout: 15_000 }).toBe(true);
    await shot(page, 'year-in-review');
  });
});
