// The one data file every file-fed scenario and every peer reads in a run, so their ratios compare the same
// bytes: seed-shaped JSON lines from `logpulse gen` (genlogs_v2.py's spacing, 1,000 URLs, the default 90/5/5
// status mix, so 10 % errors), simulated time from a fixed start and seed, so every run and every machine reads
// byte-identical input. 0.5 ms of event time per line: windows keep closing as the file is read, as they would
// live.
import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';

import { spawnCli } from '../test/support/cli.js';

export interface Dataset {
  path: string;
  lines: number;
  bytes: number;
  /** The `logpulse gen` arguments that make exactly these bytes (for the report, and for the TCP scenario). */
  genArgs: string[];
}

/** `logpulse gen` arguments (after `gen`) for `lines` dataset lines; `--rate 0`: as fast as possible. */
export function datasetGenArgs(lines: number): string[] {
  return ['--rate', '0', '--count', String(lines), '--seed', '1', '--start', '2025-06-09T09:42:30Z', '--step', '0.5', '--urls', '1000', '--format', 'json'];
}

export async function writeDataset(dir: string, lines: number): Promise<Dataset> {
  const path = join(dir, `access-${lines}.log`);
  const genArgs = datasetGenArgs(lines);
  const gen = spawnCli(['gen', ...genArgs], { stdout: 'pipe', cwd: dir });
  const out = createWriteStream(path);
  gen.child.stdout!.pipe(out);
  const [code] = await Promise.all([gen.exit, once(out, 'finish')]);
  if (code !== 0) throw new Error(`logpulse gen exited ${String(code)} while writing the dataset: ${gen.stderr().slice(-2000)}`);
  return { path, lines, bytes: statSync(path).size, genArgs };
}
