import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'video', include: ['src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
});
