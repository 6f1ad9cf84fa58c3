import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'video-composition', include: ['src/**/*.test.ts'] },
});
