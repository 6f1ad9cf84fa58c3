import { describe, expect, it } from 'vitest';
import { ConfigError } from '@poc/platform';
import { defaultBrowserExecutable, defaultRenderConcurrency, loadServiceEnv } from './env.ts';

const base = { DATABASE_URL: 'postgres://x@127.0.0.1:5432/x' };

describe('video configuration', () => {
  it('given no browser at VIDEO_BROWSER_EXECUTABLE, then start-up stops with a message naming the setting', () => {
    const load = () => loadServiceEnv({ ...base, VIDEO_BROWSER_EXECUTABLE: '/nowhere/chromium' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/VIDEO_BROWSER_EXECUTABLE: no browser at \/nowhere\/chromium/);
    try {
      load();
    } catch (error) {
      expect((error as ConfigError).settings).toEqual(['VIDEO_BROWSER_EXECUTABLE']);
    }
  });

  it('given an API-only process (VIDEO_WORKER=false), then no browser is needed', () => {
    expect(loadServiceEnv({ ...base, VIDEO_WORKER: 'false', VIDEO_BROWSER_EXECUTABLE: '/nowhere/chromium' }).VIDEO_WORKER).toBe(false);
  });

  it('given VIDEO_BROWSER_EXECUTABLE unset, then the first installed browser of the candidates is used, else the last one is named', () => {
    expect(defaultBrowserExecutable(['/nowhere/chromium-headless-shell', process.execPath, '/nowhere/chromium'])).toBe(process.execPath);
    expect(defaultBrowserExecutable(['/nowhere/chromium-headless-shell', '/nowhere/chromium'])).toBe('/nowhere/chromium');
    expect(loadServiceEnv({ ...base, VIDEO_WORKER: 'false' }).VIDEO_BROWSER_EXECUTABLE).toBe(defaultBrowserExecutable());
  });

  it('given VIDEO_RENDER_CONCURRENCY unset, then a headless shell renders with two tabs and a full browser with one', () => {
    expect(defaultRenderConcurrency('/usr/bin/chromium-headless-shell')).toBe(2);
    expect(defaultRenderConcurrency('/opt/remotion/chrome-headless-shell')).toBe(2);
    expect(defaultRenderConcurrency('/usr/bin/chromium')).toBe(1);
    const api = { ...base, VIDEO_WORKER: 'false' };
    expect(loadServiceEnv({ ...api, VIDEO_BROWSER_EXECUTABLE: '/usr/bin/chromium-headless-shell' }).VIDEO_RENDER_CONCURRENCY).toBe(2);
    expect(loadServiceEnv({ ...api, VIDEO_BROWSER_EXECUTABLE: '/usr/bin/chromium-headless-shell', VIDEO_RENDER_CONCURRENCY: '1' }).VIDEO_RENDER_CONCURRENCY).toBe(1);
  });

  it('given an executable browser, then the defaults hold (1 tab on two cores, one render at a time)', () => {
    const env = loadServiceEnv({ ...base, VIDEO_BROWSER_EXECUTABLE: process.execPath });
    expect(env).toMatchObject({ VIDEO_RENDER_CONCURRENCY: 1, VIDEO_MAX_RENDERS: 1, VIDEO_TENANT_MAX_RENDERS: 1, PORT: 8086 });
  });
});
