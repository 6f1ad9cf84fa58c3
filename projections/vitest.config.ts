import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'projections', include: ['src/**/*.test.ts'], passWithNoTests: false, testTimeout: 30_000, hookTimeout: 60_000 },
});
