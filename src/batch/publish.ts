// Publishing a batch as a whole. Everything is written under `<batch.dir>/.runs/<batchId>/<view>/`; then each
// `<batch.dir>/<view>` symlink is swapped to it (a new symlink renamed over the old one: rename is atomic, so a
// reader opening `<view>/` sees the old run's files or the new run's, never a mix or nothing); then the manifest.
// The newest two runs are kept, so a reader that followed the previous manifest can finish.
import { mkdir, open, readdir, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';

import { LogpulseError } from '../errors.js';
import { fsyncDir, writeFileAtomic } from '../durable-file.js';
import { type Manifest, MANIFEST_FILE } from './manifest.js';
import { chmodCreated, dirMode } from '../file-modes.js';

export const RUNS_DIR = '.runs';
/** Runs kept in `.runs/`: the published one and the one before it. */
export const RUNS_KEPT = 2;

/** A new batch id: sortable by start time (`20261206T124700123Z`), unique per start. */
export function newBatchId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
}

export const runDir = (batchDir: string, batchId: string): string => join(batchDir, RUNS_DIR, batchId);
export const viewDir = (batchDir: string, batchId: string, view: string): string => join(runDir(batchDir, batchId), view);

/** Runs an output step; a file-system failure becomes LP_ERR_BATCH_OUTPUT naming the path. */
export async function output<T>(path: string, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof LogpulseError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code ?? (err as Error).message;
    throw new LogpulseError('LP_ERR_BATCH_OUTPUT', `cannot ${what} ${path}: ${why}`, { path, syscallCode: code, cause: err });
  }
}

/** Creates `<batch.dir>/.runs/<batchId>/<view>/` for every view. */
export async function prepareRun(batchDir: string, batchId: string, views: readonly string[]): Promise<void> {
  for (const view of views) {
    const dir = viewDir(batchDir, batchId, view);
    await output(dir, 'create', () => mkdir(dir, { recursive: true, mode: dirMode() }));
  }
}

/**
 * fsyncs every file of the run and its directories: the files must be durable before a symlink names them. DuckDB
 * wrote most of them: each gets output.fileMode / dirMode here, like every file logpulse makes.
 */
async function syncRun(dir: string): Promise<void> {
  await chmodCreated({ dirs: [dir] });
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await syncRun(path);
    else {
      await chmodCreated({ files: [path] });
      const fh = await open(path, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  }
  await fsyncDir(dir);
}

/** Makes the run the published batch: view symlinks, then the manifest (in the run, and at the top). */
export async function publishRun(batchDir: string, manifest: Manifest, views: readonly string[]): Promise<void> {
  const run = runDir(batchDir, manifest.batchId);
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  await output(run, 'write', async () => {
    await writeFileAtomic(join(run, MANIFEST_FILE), text);
    await syncRun(run);
  });
  for (const view of views) {
    const link = join(batchDir, view);
    const temp = join(batchDir, `.${view}.${manifest.batchId}.tmp`);
    await output(link, 'publish', async () => {
      await rm(temp, { force: true });
      // Relative, so the batch dir can be moved or mounted elsewhere.
      await symlink(join(RUNS_DIR, manifest.batchId, view), temp);
      await rename(temp, link);
    });
  }
  await output(join(batchDir, MANIFEST_FILE), 'write', () => writeFileAtomic(join(batchDir, MANIFEST_FILE), text));
}

/**
 * Deletes every run but the published one and `previous` (the one published before it, which a reader that
 * followed the old manifest may still be reading): RUNS_KEPT runs at most. Runs of batches that failed before
 * publishing go too. Returns the ids deleted.
 */
export async function pruneRuns(batchDir: string, published: string, previous: string | null): Promise<string[]> {
  const runs = (await readdir(join(batchDir, RUNS_DIR))).sort();
  const doomed = runs.filter((r) => r !== published && r !== previous);
  for (const id of doomed) await rm(runDir(batchDir, id), { recursive: true, force: true });
  return doomed;
}
