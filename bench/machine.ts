// What the numbers were measured on, recorded with them: a result without its machine and commit cannot be
// compared with anything. The load average is kept too, because the machine is shared.
import { execFileSync } from 'node:child_process';
import { cpus, hostname, loadavg, platform, release, totalmem } from 'node:os';

export interface MachineInfo {
  host: string;
  platform: string;
  kernel: string;
  cpus: number;
  cpuModel: string;
  memGb: number;
  node: string;
  gitCommit: string;
  /** Uncommitted changes in the tree when the run started (the commit alone does not describe the code). */
  gitDirty: boolean;
  loadAvgAtStart: number[];
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    host: hostname(),
    platform: platform(),
    kernel: release(),
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    memGb: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    gitCommit: git(['rev-parse', 'HEAD']) || 'unknown',
    // Only tracked files count: the benches' own scratch files are untracked and do not change the code.
    gitDirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    loadAvgAtStart: loadavg().map((v) => +v.toFixed(2)),
  };
}
