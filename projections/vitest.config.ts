import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'projections',
    include: ['src/**/*.test.ts'],
    passWithNoTests: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Kafka for the *.e2e.test.ts suite that consumes it (the production event bus).
    globalSetup: ['../services/platform/src/testing/engines/global-setup.ts'],
    provide: { pocEngineNames: ['kafka'] },
  },
});
