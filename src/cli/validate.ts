// `logpulse validate -c FILE` (SPEC §1): every problem of a config, one per line, then exit 2; or exit 0 and the
// effective limits: retention (what the defaults and overrides come to, per output kind and for the archive) and
// the memory limit this process would hold itself to (limits.maxMemory, or a share of its cgroup's limit).
// Interpolation runs against the current environment, so an unset ${VAR} is reported here as it would be by `run`.

import { formatAge } from '../config/age.js';
import { formatByteSize } from '../config/byte-size.js';
import { formatProblem } from '../config/problems.js';
import { loadConfig } from '../config/load.js';
import type { Config, RetentionLimits } from '../config/types.js';
import { describeMemoryLimit, memoryLimit } from '../daemon/memory-limit.js';

/** Prints `path: message` lines to stderr and returns 2, or `config OK: <path>` and the effective limits to stdout and returns 0. */
export async function validateCommand(opts: { config: string }): Promise<number> {
  const result = loadConfig(opts.config);
  if (result.ok) {
    const memory = describeMemoryLimit(memoryLimit(result.config.limits.maxMemory));
    process.stdout.write(`config OK: ${opts.config}\n${retentionSummary(result.config)}memory limit (limits.maxMemory): ${memory}\n`);
    return 0;
  }
  process.stderr.write(result.problems.map((p) => `${formatProblem(p)}\n`).join(''));
  return 2;
}

/** One line per output kind and one for the archive: `  errors    maxAge 7d     maxSize none`. */
export function retentionSummary(config: Config): string {
  const line = (name: string, l: RetentionLimits, note = ''): string =>
    `  ${name.padEnd(9)} maxAge ${(l.maxAgeMs === 0 ? 'none' : formatAge(l.maxAgeMs)).padEnd(6)} maxSize ${l.maxSize === 0 ? 'none' : formatByteSize(l.maxSize)}${note}\n`;
  const kinds = Object.entries(config.output.retention).map(([kind, l]) => line(kind, l, kind === 'partials' ? '  (Kafka sources only)' : ''));
  const archive = line('archive', config.archive.retention, config.archive.enabled ? '' : '  (archive.enabled is false)');
  return `retention (output.retention, archive.retention):\n${kinds.join('')}${archive}`;
}
