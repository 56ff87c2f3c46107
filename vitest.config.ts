import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file builds its own app with its own worker pool; 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
