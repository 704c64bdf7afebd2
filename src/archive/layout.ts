// Where things live in the Parquet archive, in one place: the Hive partition of an event time, the names the
// native shards give cut files, the names compaction gives merged files, and the archive's own bookkeeping
// folder (underscore-prefixed, so Spark, Hive and `*/*/*.parquet` globs never take it for data).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The archive's bookkeeping: run ledgers and compaction journals. */
export const META_DIR = '_logpulse';
export const RUNS_DIR = join(META_DIR, 'runs');
export const COMPACTIONS_DIR = join(META_DIR, 'compactions');

/** `part-<run>-<shard>-<seq>.parquet`: what one shard archived in one durable cut (written by the native shard). */
export const PART_FILE = /^part-([a-z0-9]+)-(\d+)-(\d{10})\.parquet$/;
/** `compact-<run>-<seq>.parquet`: the files of one closed hour merged. */
export const COMPACT_FILE = /^compact-([a-z0-9]+)-(\d{10})\.parquet$/;
/** A shard's file still being written (hidden, `.part`): never read; a crashed run's are deleted at the next start. */
export const IN_PROGRESS_FILE = /^\.inprogress-([a-z0-9]+)-.*\.part$/;
/** `date=YYYY-MM-DD` and `hour=HH`: the Hive partitions. */
export const DATE_DIR = /^date=(\d{4})-(\d{2})-(\d{2})$/;
export const HOUR_DIR = /^hour=(\d{2})$/;

export const HOUR_US = 3_600_000_000;

/** A new run's id: sortable by start time, unique per start, no dashes (names split on them). */
export function newRunId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
}

export function seqText(seq: number): string {
  return String(seq).padStart(10, '0');
}

export function compactFileName(run: string, seq: number): string {
  return `compact-${run}-${seqText(seq)}.parquet`;
}

/** `date=…/hour=…` of the hour starting at `hourStartUs` (UTC). */
export function partitionOf(hourStartUs: number): string {
  const iso = new Date(hourStartUs / 1000).toISOString();
  return `date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
}

/** The start of the hour `date=…/hour=…` names, µs since the epoch (UTC); null if it is not a valid hour. */
export function hourStartUs(dateDir: string, hourDir: string): number | null {
  const d = DATE_DIR.exec(dateDir);
  const h = HOUR_DIR.exec(hourDir);
  if (!d || !h) return null;
  const [y, m, day, hour] = [Number(d[1]), Number(d[2]), Number(d[3]), Number(h[1])];
  if (hour > 23) return null;
  const ms = Date.UTC(y, m - 1, day, hour);
  // Date.UTC rolls 2026-02-31 over to March: such a directory names no hour.
  if (new Date(ms).getUTCDate() !== day || new Date(ms).getUTCMonth() !== m - 1) return null;
  return ms * 1000;
}

export interface HourDir {
  /** `date=…/hour=…`, relative to the archive root. */
  partition: string;
  path: string;
  hourStartUs: number;
  /** Every entry's name, data or not. */
  names: string[];
}

export interface ListHoursOptions {
  /** Hours to list, by start (µs); the others' directories are not read. Default: every hour. */
  keep?: (hourStartUs: number) => boolean;
  /**
   * A directory that cannot be read: 'skip' lists it as empty (the daemon's recovery and compaction carry on),
   * 'throw' rejects with the file-system error (a batch must not count a partial archive). Missing is empty either way.
   */
  unreadable?: 'skip' | 'throw';
}

/** Every hour partition of the archive, oldest first; a missing archive has none. */
export async function listHours(dir: string, options: ListHoursOptions = {}): Promise<HourDir[]> {
  const { keep = () => true, unreadable = 'skip' } = options;
  const entries = async (path: string): Promise<string[]> => {
    try {
      return (await readdir(path)).sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (unreadable === 'skip' || code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw err;
    }
  };
  const out: HourDir[] = [];
  for (const date of (await entries(dir)).filter((n) => DATE_DIR.test(n))) {
    for (const hour of (await entries(join(dir, date))).filter((n) => HOUR_DIR.test(n))) {
      const start = hourStartUs(date, hour);
      if (start === null || !keep(start)) continue;
      const path = join(dir, date, hour);
      out.push({ partition: `${date}/${hour}`, path, hourStartUs: start, names: await entries(path) });
    }
  }
  return out;
}
