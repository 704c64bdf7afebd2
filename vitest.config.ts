import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // beforeAll hooks that make and reference-compute 300k lines, or produce to Kafka, need more than 10 s on a loaded 2-core CI.
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // Kills what a test file spawned and left running when the file ends.
    setupFiles: ['test/setup.ts'],
  },
});
