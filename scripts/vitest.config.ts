import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'runtime', include: ['**/*.test.ts'], testTimeout: 180_000, hookTimeout: 60_000 },
});
