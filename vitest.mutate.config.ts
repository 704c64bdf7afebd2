// The test set `npm run mutate` gives Stryker (stryker.config.mjs): the tests that run the sources in-process. Tests
// that spawn the CLI run dist/, which Stryker does not mutate, so they could not kill a mutant and would only make
// its first (dry) run longer; so do the Kafka tests (they need a broker) and the long end-to-end runs.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/*.test.ts',
      'test/{api,archive,batch,cli,config,daemon,native,pipeline,reference,sinks,sources}/**/*.test.ts',
    ],
    exclude: [
      'test/structure.test.ts',
      // These spawn the CLI (dist/) or a browser.
      'test/api/{api,metrics,prometheus}.test.ts',
      'test/api/*.browser.test.ts',
      'test/batch/views.test.ts',
      'test/cli/{batch,exit-guard,first-hour,reload}.test.ts',
      'test/sources/stdin.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
  },
});
