// Files that must survive a crash whole or not at all (checkpoint, run ledgers, compaction journals, batch
// manifests): written to a hidden temp beside the target, fsynced, renamed over it, and the directory fsynced so
// the rename itself is durable. A reader sees the old file or the whole new one, never half.
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { fileMode } from './file-modes.js';

/** Told how long one fsync took, in seconds (for `/metrics`). */
export type FsyncObserver = (seconds: number) => void;

/**
 * Writes `path` so that it is either the old file or the whole new one, even across a crash. `onFsync` is told
 * the duration of each of its two fsyncs.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, onFsync?: FsyncObserver): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fh = await open(temp, 'w', fileMode());
    try {
      await fh.writeFile(data);
      await timedFsync(onFsync, () => fh.sync());
    } finally {
      await fh.close();
    }
    await rename(temp, path);
  } catch (err) {
    // A full disk must not also keep the half-written temp (it holds the space the next attempt needs); the old
    // file at `path` was never touched.
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path), onFsync);
}

/** Makes a directory's entries (a rename, a new file) durable. */
export async function fsyncDir(dir: string, onFsync?: FsyncObserver): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await timedFsync(onFsync, () => fh.sync());
  } finally {
    await fh.close();
  }
}

/** Runs `fsync` and tells `onFsync` how long it took, whether it succeeded or not: two clock reads, nothing more. */
export async function timedFsync(onFsync: FsyncObserver | undefined, fsync: () => Promise<void>): Promise<void> {
  if (onFsync === undefined) return fsync();
  const started = performance.now();
  try {
    await fsync();
  } finally {
    onFsync((performance.now() - started) / 1000);
  }
}
