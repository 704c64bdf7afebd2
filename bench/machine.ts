// What the numbers were measured on, recorded with them: a result without its machine and commit cannot be
// compared with anything. The load average is kept too, because the machine is shared.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * The newest modification time among dist/'s files: the benches run the built daemon, so a rebuild during a run
 * (a test run compiling in the same checkout) would mix two builds in one results file. Compared at the end.
 */
export function distStamp(dir = new URL('../dist', import.meta.url).pathname): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? distStamp(p) : statSync(p).mtimeMs);
  }
  return newest;
}
