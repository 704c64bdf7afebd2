// The lifecycle and end-to-end tests spawn the real daemon from dist/: compile the TypeScript first, so
// they never run stale code. (The native module is built by `npm ci` / `npm run build:native`.)
// The Kafka tests need a real broker: scripts/kafka starts the tests' own instance from an empty data dir (its
// jars are fetched from Maven Central on the first run) and the teardown stops and removes it.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

import { kafkaScript, TEST_BROKER } from './support/kafka.js';
import { ROOT } from './support/paths.js';

function removeBroker(): void {
  try {
    kafkaScript('stop');
  } catch {
    // Not running.
  }
  rmSync(TEST_BROKER.dir, { recursive: true, force: true });
}

export default function setup(): () => void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  removeBroker();
  kafkaScript('start');
  return removeBroker;
}
