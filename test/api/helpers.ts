// Spawning a daemon (or `logpulse api`) whose API listens on a free port, and finding that port in its log.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type CliOptions, type CliProcess, spawnCli, waitForLog } from '../support/cli.js';

/** The URL of the "api listening" log line. */
export async function apiUrl(p: CliProcess): Promise<string> {
  await waitForLog(p, '"api listening"');
  const line = p.stderr().split('\n').find((l) => l.includes('"api listening"'))!;
  return (JSON.parse(line) as { url: string }).url;
}

/** A config file in `dir` with `api.port: 0` and `extra` YAML lines after it. */
export function apiConfig(dir: string, extra = ''): string {
  const path = join(dir, 'api.yaml');
  writeFileSync(path, `api:\n  port: 0\n${extra}`);
  return path;
}

/** `logpulse run` on a generator, outputs under `dir`, API on a free port. */
export function spawnDaemon(dir: string, options: CliOptions = {}, extraConfig = ''): CliProcess {
  return spawnCli(
    ['run', '-c', apiConfig(dir, extraConfig), '--source', 'generator:?rate=1000', '--output', join(dir, 'out'), '--checkpoint', join(dir, 'cp'), '--workers', '1'],
    { cwd: dir, stdout: 'ignore', ...options },
  );
}
