import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'cdk',
    include: ['test/**/*.test.ts'],
    // Synthesis of a whole stage takes seconds on a small machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
