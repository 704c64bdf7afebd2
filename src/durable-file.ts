// Files that must survive a crash whole or not at all (checkpoint, run ledgers, compaction journals, batch
// manifests): written to a hidden temp beside the target, fsynced, renamed over it, and the directory fsynced so
// the rename itself is durable. A reader sees the old file or the whole new one, never half.
import { open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `path` so that it is either the old file or the whole new one, even across a crash. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fh = await open(temp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, path);
  await fsyncDir(dirname(path));
}

/** Makes a directory's entries (a rename, a new file) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
