// StrykerJS (`npm run mutate`, scripts/mutate): mutants of src/, each tested by the in-process tests that cover it
// (per-test coverage), reports under .cache/mutation/ (not in git). docs/developer-guide.md "Mutation testing".
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/**/*.ts',
    // The worker thread runs from dist/ (src/pipeline/shard-pool.ts): its mutants cannot reach a test.
    '!src/pipeline/worker.ts',
    // Types and declarations only.
    '!src/**/*.d.ts',
    '!src/config/types.ts',
  ],
  // What the tests need is src/, test/, dist/ (the worker), native/*.node and the assets; not the Rust build.
  ignorePatterns: ['/native/target', '/native/fuzz/target', '/native/fuzz/corpus', '/.cache', '/bench', '/deploy', '/output', '/checkpoint', '/reports'],
  ignoreStatic: true,
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: '.cache/mutation/stryker/index.html' },
  jsonReporter: { fileName: '.cache/mutation/stryker/mutation.json' },
  incrementalFile: '.cache/mutation/stryker/incremental.json',
  tempDirName: '.cache/mutation/stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 80, low: 60, break: null },
};
