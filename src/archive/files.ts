// Which Parquet files of the archive hold the records, right now: the one answer the batch layer (and later the
// daemon's readers) use. Pure listing, no Parquet reading.
//
// Layout (written by the daemon): `<archive>/date=YYYY-MM-DD/hour=HH/part-<run>-<shard>-<seq>.parquet` (one shard's
// durable cut) and `compact-<run>-<seq>.parquet` (the files of a closed hour merged). Files being written are hidden
// (dot-prefixed, `.part`) and never read. Compaction runs through a journal,
// `<archive>/_logpulse/compactions/<id>.json` = `{"output": REL, "inputs": [REL…]}` (paths relative to the archive):
// while it exists, the output is the truth if it exists (its inputs, maybe not yet deleted, are skipped), and the
// inputs are the truth if it does not (the compaction died or is still writing, and its temp file is hidden).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

import { LogpulseError } from '../errors.js';
import { COMPACTIONS_DIR, HOUR_US, listHours } from './layout.js';

/** A data file: visible (not dot-prefixed: temp files are) and a Parquet file. */
export const isDataFile = (name: string): boolean => !name.startsWith('.') && name.endsWith('.parquet');

export interface ListOptions {
  /** Inclusive lower bound of event time, µs since the epoch (UTC). */
  sinceUs?: number;
  /** Exclusive upper bound of event time, µs since the epoch (UTC). */
  untilUs?: number;
}

export interface ArchiveFiles {
  /** Absolute paths, sorted. */
  files: string[];
  /** Hour partitions that contributed at least one file. */
  hours: number;
}

export interface CompactionJournal {
  /** Relative to the archive root. */
  output: string;
  inputs: string[];
}

/** A directory of the archive that cannot be listed refuses the listing. */
function listingError(dir: string, err: unknown): LogpulseError {
  const code = (err as NodeJS.ErrnoException).code;
  return new LogpulseError('LP_ERR_BATCH_INPUT', `cannot list ${dir}: ${code ?? String(err)}`, { path: dir, syscallCode: code, cause: err });
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw listingError(dir, err);
  }
}

/** The compaction journals of the archive (none when the folder is missing). A journal that is not one refuses the listing. */
export async function readJournals(archiveDir: string): Promise<CompactionJournal[]> {
  const dir = join(archiveDir, COMPACTIONS_DIR);
  const out: CompactionJournal[] = [];
  for (const name of (await names(dir)).filter((n) => !n.startsWith('.') && n.endsWith('.json'))) {
    const path = join(dir, name);
    let journal: unknown;
    try {
      journal = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw new LogpulseError('LP_ERR_BATCH_INPUT', `${path} is not a compaction journal: ${(err as Error).message}`, { path, cause: err });
    }
    const j = journal as Partial<CompactionJournal> | null;
    if (typeof j?.output !== 'string' || !Array.isArray(j.inputs) || !j.inputs.every((i) => typeof i === 'string')) {
      throw new LogpulseError('LP_ERR_BATCH_INPUT', `${path} is not a compaction journal ({"output": path, "inputs": [paths]})`, { path });
    }
    out.push({ output: j.output, inputs: j.inputs });
  }
  return out;
}

const isFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/** `a/./b`, `a//b` and Windows separators all name the same relative path. */
const normal = (rel: string): string => rel.split(/[\\/]+/).filter((s) => s !== '' && s !== '.').join('/');

/**
 * The data files of the archive at `dir` whose hour partition overlaps [sinceUs, untilUs), with the compaction
 * journals applied. Pruning is by partition only: a file's rows still need the time filter. A missing archive
 * has no files.
 */
export async function listArchiveFiles(dir: string, options: ListOptions = {}): Promise<ArchiveFiles> {
  const since = options.sinceUs ?? -Infinity;
  const until = options.untilUs ?? Infinity;
  const hours = await listHours(dir, { keep: (start) => start + HOUR_US > since && start < until, unreadable: 'throw' }).catch((err: unknown) => {
    throw listingError((err as NodeJS.ErrnoException).path ?? dir, err);
  });
  const found = hours.flatMap((h) => h.names.filter(isDataFile).map((name) => `${h.partition}/${name}`));
  const superseded = new Set<string>();
  for (const journal of await readJournals(dir)) {
    // Only a completed output supersedes its inputs (checked on disk, whatever hours were listed).
    if (await isFile(join(dir, normal(journal.output)))) for (const input of journal.inputs) superseded.add(normal(input));
  }
  const files = found.filter((f) => !superseded.has(f));
  const withFiles = new Set(files.map((f) => f.split('/').slice(0, 2).join('/')));
  return { files: files.map((f) => join(dir, f)).sort(), hours: withFiles.size };
}

/** `file` relative to the archive root, with `/` separators (as the manifest lists inputs). */
export function archiveRelative(archiveDir: string, file: string): string {
  return relative(archiveDir, file).split(sep).join('/');
}
