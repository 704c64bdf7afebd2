// The lifecycle and end-to-end tests spawn the real daemon from dist/: compile the TypeScript first, so
// they never run stale code. (The native module is built by `npm ci` / `npm run build:native`.)
// The Kafka tests need a real broker: scripts/kafka starts the tests' own instance from an empty data dir (its
// jars are fetched from Maven Central on the first run) and the teardown stops and removes it.
// Every temporary directory of the run (tests' mkdtemp, the daemons they spawn) goes under one directory of its own
// (TMPDIR, which os.tmpdir() reads and the test processes inherit), removed at the end: a run leaves ~1 GB of
// scratch, and runs that each left theirs filled a 250 GB disk.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Removes the run's scratch; what cannot go (a small disk a failed test left mounted) is said and left. */
function removeScratch(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    console.warn(`test scratch ${dir} not fully removed: ${(err as Error).message}`);
  }
}

export default function setup(): () => void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  const scratch = mkdtempSync(join(tmpdir(), 'logpulse-test-run-'));
  // /tmp's own mode: the web servers' workers (www-data) write their logs under it (test/e2e/real-servers).
  chmodSync(scratch, 0o1777);
  process.env.TMPDIR = scratch;
  removeBroker();
  kafkaScript('start');
  return () => {
    removeBroker();
    removeScratch(scratch);
  };
}
