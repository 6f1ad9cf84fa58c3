import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'query',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // OpenSearch for the *.e2e.test.ts suites (read-your-writes on the production search adapter).
    globalSetup: ['../platform/src/testing/engines/global-setup.ts'],
    provide: { pocEngineNames: ['opensearch'] },
  },
});
