// Temp config files for the config tests, under os.tmpdir(), removed after the run.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'logpulse-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes `text` to a new file named `<n>-<name>` and returns its path. */
export function configFile(name: string, text: string): string {
  const path = join(dir, `${++n}-${name}`);
  writeFileSync(path, text);
  return path;
}

export function tempPath(name: string): string {
  return join(dir, `${++n}-${name}`);
}
