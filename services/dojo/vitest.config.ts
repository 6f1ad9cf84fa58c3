import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'dojo',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // Redis for the scale-out e2e suite (REDIS_URL, else the local one; with CI=true a missing Redis fails the run).
    globalSetup: ['../platform/src/testing/engines/global-setup.ts'],
    provide: { pocEngineNames: ['redis'] },
  },
});
