// `logpulse validate -c FILE` (SPEC §1): every problem of a config, one per line, then exit 2; or exit 0.
// Interpolation runs against the current environment, so an unset ${VAR} is reported here as it would be by `run`.

import { formatProblem } from '../config/problems.js';
import { loadConfig } from '../config/load.js';

/** Prints `path: message` lines to stderr and returns 2, or `config OK: <path>` to stdout and returns 0. */
export async function validateCommand(opts: { config: string }): Promise<number> {
  const result = loadConfig(opts.config);
  if (result.ok) {
    process.stdout.write(`config OK: ${opts.config}\n`);
    return 0;
  }
  process.stderr.write(result.problems.map((p) => `${formatProblem(p)}\n`).join(''));
  return 2;
}
