import { defineProject } from 'vitest/config';

// The app's plain TypeScript (API client, offline cache and queue, form mapping) and the end-to-end test
// of the web build in headless Chromium. Screens and components run under jest-expo (`pnpm test:jest`).
export default defineProject({
  test: {
    name: 'mobile-native',
    include: ['src/**/*.unit.test.ts', 'e2e/**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
