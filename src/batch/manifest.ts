// `<batch.dir>/manifest.json`: which batch is published and what it was made of. Written last, atomically
// (temp → fsync → rename → fsync of the directory), so a reader that follows its `batchId` to `.runs/<id>/` always
// finds one complete, consistent batch (the previous run is kept while a newer one is published).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Coverage } from '../archive/coverage.js';
import type { BatchEngineName } from './engine.js';

export const MANIFEST_FILE = 'manifest.json';

export interface Manifest {
  batchId: string;
  /** ISO time the batch started. */
  createdAt: string;
  /**
   * Earliest event time among the records read (ISO), null with no record: with `archive.retention` the archive
   * starts there, so the batch covers [firstEventTime, cutoffEventTime]. Absent in manifests of older versions.
   */
  firstEventTime?: string | null;
  /** Latest event time among the records read (ISO), null with no record: the speed layer covers what comes after. */
  cutoffEventTime: string | null;
  /** The `--since` / `--until` bounds (ISO), null when not given. */
  since: string | null;
  until: string | null;
  /** The archive files read, relative to `archive.dir`. */
  inputFiles: string[];
  /**
   * The cut files whose rows were read (within since/until), compactly: compaction merges cut files, so the file
   * list alone cannot say later which rows a batch saw. Absent in manifests of older versions.
   */
  covered?: Coverage;
  /** Rows of each view. */
  rows: Record<string, number>;
  /** Records read (late ones included). */
  records: number;
  durationMs: number;
  /** Every batch recomputes everything from the archive. */
  mode: 'full';
  /** What computed the views (`batch.engine`, `--engine`). Absent in manifests of older versions (DuckDB). */
  engine?: BatchEngineName;
}

/** The published manifest under `batchDir`, or null when no batch was published. */
export async function readManifest(batchDir: string): Promise<Manifest | null> {
  try {
    return JSON.parse(await readFile(join(batchDir, MANIFEST_FILE), 'utf8')) as Manifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
