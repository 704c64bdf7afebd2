// Real disk faults for tests, where the machine allows them (root, mount permitted — a container may refuse):
// a small tmpfs that fills up (ENOSPC), a directory made read-only by a bind mount (EROFS — root ignores
// permission bits, so chmod cannot do it). Callers fall back to an injected fault when `mount` is refused and say
// which one ran.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** LOGPULSE_TEST_NO_MOUNT=1: behave as a machine that refuses `mount`, to run the injected fallbacks. */
const mountRefused = process.env.LOGPULSE_TEST_NO_MOUNT === '1';

function run(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Mounts a tmpfs of `size` (e.g. `4m`) on `dir` (created); false when mounting is not permitted here. */
export function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  return !mountRefused && run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
}

/** Binds `dir` onto itself, so it can later be made read-only alone; false when not permitted. */
export function bindMount(dir: string): boolean {
  mkdirSync(dir, { recursive: true });
  return !mountRefused && run('mount', ['--bind', dir, dir]);
}

/**
 * Makes a bind mount read-only (true) or writable again. Fails (false) while a file on it is open for writing:
 * the kernel refuses with EBUSY, so callers retry until the daemon has closed its open files.
 */
export function remountBind(dir: string, readOnly: boolean): boolean {
  return run('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'},bind`, dir]);
}

/** Unmounts `dir` (lazily: a daemon killed mid-test may still hold files there); ignores "not mounted". */
export function unmount(dir: string): void {
  run('umount', ['-l', dir]);
}

/** Fills the file system of `dir` with `dir/filler` until a write fails with ENOSPC; returns the filler's path. */
export function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024, 0x20);
  try {
    for (;;) {
      // Smaller and smaller writes at the end, so that not even one block is left.
      let n = block.length;
      for (;;) {
        try {
          writeSync(fd, block, 0, n);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          if (n === 1) return path;
          n = Math.max(1, n >> 1);
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Frees what `fillDisk` took. */
export function freeDisk(filler: string): void {
  rmSync(filler, { force: true });
}
