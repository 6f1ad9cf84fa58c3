import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'platform',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Real engines for the *.e2e.test.ts suites, started once per run (see src/testing/engines/global-setup.ts).
    globalSetup: ['./src/testing/engines/global-setup.ts'],
    provide: { pocEngineNames: ['postgres', 'kafka', 'opensearch', 's3', 'redis'] },
  },
});
