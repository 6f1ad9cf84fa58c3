/**
 * The web build's first load over the edge and scrolling a list of 1,000 POCs.
 *
 * The real edge process serves the real web build (pre-compressed files);
 * its /v1 upstreams are an in-memory API (src/testing/fake-api.ts) holding
 * 1,000 POCs, so the figures are the app's and the edge's, not a database's.
 * Headless Chromium from Debian measures, on a fresh profile:
 *   - transfer size (bytes on the wire) and time to the first rendered list row,
 *     on loopback and with a mobile network emulated (1.6 Mbit/s, 150 ms RTT);
 *   - scrolling to the end of 1,000 POCs (infinite scroll, pages of 50):
 *     frame intervals and long frames, and how many rows are in the DOM at the
 *     end (the list is virtualised);
 *   - the peer, in the same run: a plain page with 1,000 static rows scrolled
 *     the same way (the browser's floor on this machine).
 *
 *   pnpm bench:app-web
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ensureWebBuild, launchChromium, repoRoot } from '../e2e/harness';
import { createFakeApi } from '../src/testing/fake-api';

const ROWS = 1000;

export async function fakeUpstream() {
  const api = createFakeApi({ accessTtlSeconds: 3600 });
  api.state.projectInstantly = true;
  const tokens = await api.seedAccount('bench');
  const languages = ['go', 'rust', 'typescript', 'python', 'java', 'kotlin', 'lua'];
  const tags = ['perf', 'k8s', 'data', 'ml', 'devex', 'cdn', 'ddd', 'security'];
  for (let i = 0; i < ROWS; i++) {
    await api.fetch('http://x/v1/pocs', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `POC ${String(i).padStart(4, '0')} ${tags[i % tags.length]} on ${languages[i % languages.length]}`, languages: [languages[i % 7]!, languages[(i + 3) % 7]!], tags: [tags[i % 8]!, tags[(i * 3) % 8]!], status: (['idea', 'in_progress', 'done', 'abandoned'] as const)[i % 4] }),
    });
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string'));
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = await api.fetch(`http://x${req.url}`, { method: req.method!, headers, ...(body ? { body } : {}) });
      const out: Record<string, string> = {};
      for (const name of ['content-type', 'etag', 'consistency-token', 'content-disposition']) {
        const v = answer.headers.get(name);
        if (v) out[name] = v;
      }
      res.writeHead(answer.status, out).end(await answer.text());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tokens, close: () => server.close() };
}

export async function startEdge(upstream: string): Promise<{ url: string; child: ChildProcess }> {
  const port = 19500 + Math.floor(Math.random() * 400);
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  for (const name of ['IDENTITY', 'POCS', 'QUERY', 'DOJO', 'REPORTS', 'VIDEO']) env[`${name}_URL`] = upstream;
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'services/edge/src/server.ts')], { cwd: repoRoot, env, stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health/live`)).ok) return { url, child };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the edge did not start');
}

/** Record when the first list row appears (from navigation start) in the page itself. */
const FIRST_ROW_PROBE = `new MutationObserver(function (_, observer) {
  if (document.querySelector('[data-testid^="poc-row-"]')) {
    window.__firstRow = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });`;

async function firstLoad(browser: Awaited<ReturnType<typeof launchChromium>>, url: string, session: string, network: 'loopback' | 'mobile') {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.addInitScript((value) => localStorage.setItem('poc-tracker.session', value), session);
  await context.addInitScript({ content: FIRST_ROW_PROBE });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (network === 'mobile') await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 });
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
    bytes += e.encodedDataLength;
    requests += 1;
  });
  await page.goto(url);
  await page.waitForSelector('[data-testid^="poc-row-"]', { timeout: 60_000 });
  const firstRow = await page.evaluate(() => (window as unknown as { __firstRow: number }).__firstRow);
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { domContentLoaded: n.domContentLoadedEventEnd };
  });
  await context.close();
  return { bytes, requests, firstRow, domContentLoaded: nav.domContentLoaded };
}

/** Scroll an element to its end in steps of `step` px per frame, waiting for more rows when at the end; frame intervals via rAF. */
// In-page code is a string: tsx would wrap named functions in a helper the page does not have.
const SCROLL_TO_END = `async ({ selector, expectedHeight }) => {
  const el = document.querySelector(selector);
  const frames = [];
  let last = performance.now();
  let running = true;
  function tick(t) {
    frames.push(t - last);
    last = t;
    if (running) requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
  const started = performance.now();
  while (performance.now() - started < 120000) {
    el.scrollTop += 120;
    await new Promise((r) => requestAnimationFrame(r));
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 2 && el.scrollHeight >= expectedHeight - el.clientHeight) break;
  }
  running = false;
  const sorted = [...frames].sort((a, b) => a - b);
  function pct(p) { return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]; }
  return {
    seconds: (performance.now() - started) / 1000,
    frames: frames.length,
    p50: pct(50), p95: pct(95), p99: pct(99), max: sorted[sorted.length - 1],
    longFrames: frames.filter((f) => f > 50).length,
    rowsInDom: document.querySelectorAll('[data-testid^="poc-row-"]').length,
    scrollHeight: el.scrollHeight,
  };
}`;

interface ScrollResult {
  seconds: number;
  frames: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  longFrames: number;
  rowsInDom: number;
  scrollHeight: number;
}

/** Scroll an element to its end, 120 px per frame, waiting for more rows at the end; frame intervals via rAF. */
async function scrollToEnd(page: Page, selector: string, expectedHeight: number): Promise<ScrollResult> {
  return page.evaluate(`(${SCROLL_TO_END})(${JSON.stringify({ selector, expectedHeight })})`) as Promise<ScrollResult>;
}

async function main(): Promise<void> {
  ensureWebBuild();
  const upstream = await fakeUpstream();
  const edge = await startEdge(upstream.url);
  const browser = await launchChromium();
  try {
    const session = JSON.stringify({ accessToken: upstream.tokens.accessToken, refreshToken: upstream.tokens.refreshToken, expiresAt: Date.now() + 3_600_000, tenantSlug: 'bench' });
    await firstLoad(browser, edge.url, session, 'loopback'); // warm the edge and the page cache of the OS
    const loopback = await firstLoad(browser, edge.url, session, 'loopback');
    const mobile = await firstLoad(browser, edge.url, session, 'mobile');

    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await context.addInitScript((value) => localStorage.setItem('poc-tracker.session', value), session);
    const page = await context.newPage();
    await page.goto(edge.url);
    await page.waitForSelector('[data-testid^="poc-row-"]');
    const app = await scrollToEnd(page, '[data-testid="poc-list"]', ROWS * 76);
    const peerPage = await context.newPage();
    await peerPage.setContent(
      `<div id="list" style="height:100vh;overflow:auto;font-family:sans-serif">${Array.from({ length: ROWS }, (_, i) => `<div data-testid="poc-row-${i}" style="height:75px;border-bottom:1px solid #ddd;padding:0 16px"><b>POC ${i}</b><div>go rust #perf</div></div>`).join('')}</div>`,
    );
    const peer = await scrollToEnd(peerPage, '#list', ROWS * 76);
    await context.close();

    // The list screen with real facets, for the README (UPDATE_SCREENSHOTS=1): English light and Portuguese dark.
    if (process.env.UPDATE_SCREENSHOTS) {
      for (const [name, options] of [
        ['poc-list-1000', { locale: 'en-US', colorScheme: 'light' }],
        ['poc-list-pt-BR-dark', { locale: 'pt-BR', colorScheme: 'dark' }],
      ] as const) {
        const shots = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, ...options });
        await shots.addInitScript((value) => localStorage.setItem('poc-tracker.session', value), session);
        const shotPage = await shots.newPage();
        await shotPage.goto(edge.url);
        await shotPage.waitForSelector('[data-testid^="poc-row-"]');
        await shotPage.waitForTimeout(500);
        await shotPage.screenshot({ path: join(repoRoot, 'docs/app', `${name}.png`) });
        await shots.close();
      }
    }

    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(`\nWeb build first load over the edge (fresh profile, ${new Date().toISOString()}, Chromium headless, 2 cores)\n`);
    console.log('| network | transferred | requests | DOMContentLoaded | first list row |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const [name, r] of [['loopback', loopback], ['mobile (1.6 Mbit/s, 150 ms RTT)', mobile]] as const) {
      console.log(`| ${name} | ${kib(r.bytes)} | ${r.requests} | ${r.domContentLoaded.toFixed(0)} ms | ${r.firstRow.toFixed(0)} ms |`);
    }
    console.log(`\nScrolling to the end of ${ROWS} POCs (120 px per frame, pages of 50 loaded on the way)\n`);
    console.log('| list | frames | p50 | p95 | p99 | max | frames > 50 ms | rows in the DOM at the end |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, r] of [['app (FlatList, virtualised)', app], ['peer: static HTML, 1,000 rows', peer]] as const) {
      console.log(`| ${name} | ${r.frames} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.max.toFixed(1)} ms | ${r.longFrames} | ${r.rowsInDom} |`);
    }
    console.log(`\napp list height at the end: ${app.scrollHeight} px (${Math.round(app.scrollHeight / 76)} rows of 76 px)`);
  } finally {
    await browser.close();
    edge.child.kill('SIGTERM');
    upstream.close();
  }
}

// Run only as a script (the helpers above are reused by other tooling).
if (process.argv[1]?.endsWith('web.ts')) void main();
