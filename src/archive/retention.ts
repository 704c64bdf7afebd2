// Retention of the Parquet archive (`archive.retention`, README, Retention): whole hour partitions go, oldest first,
// so what is left is one unbroken stretch of event time and a batch over it covers "from the first hour kept".
// Age is counted as Prometheus counts it, from the newest hour in the archive (event time), not from the wall
// clock: an archive of last year's logs replayed today is not deleted as it is written. Only hours that can no
// longer change are deleted: closed (no on-time record can land in them; a later one is rejected as late), without
// a file being written (hidden), and holding committed cuts only (a cut the next start may still remove or replay
// stays with its hour; compaction.ts follows the same rule). Runs on the keeper's compaction chain (archive.ts),
// never beside a compaction.
import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { RetentionLimits } from '../config/types.js';
import { isDataFile } from './files.js';
import { HOUR_US, type HourDir, PART_FILE } from './layout.js';

export interface HourUsage {
  hourStartUs: number;
  /** Bytes of its data files (0 when sizes were not needed). */
  bytes: number;
  /** Closed, nothing being written, every cut committed. */
  deletable: boolean;
}

export interface HourDeletion {
  hourStartUs: number;
  reason: 'age' | 'size';
}

/** The hours to delete, oldest first; `hours` in any order. */
export function planArchiveRetention(hours: readonly HourUsage[], limits: RetentionLimits): HourDeletion[] {
  if (limits.maxAgeMs === 0 && limits.maxSize === 0) return [];
  const sorted = [...hours].sort((a, b) => a.hourStartUs - b.hourStartUs);
  const newestEndUs = (sorted[sorted.length - 1]?.hourStartUs ?? 0) + HOUR_US;
  let total = sorted.reduce((sum, h) => sum + h.bytes, 0);
  const out: HourDeletion[] = [];
  for (const h of sorted) {
    if (!h.deletable) break; // oldest first: what comes after an hour that stays stays too
    const old = limits.maxAgeMs > 0 && newestEndUs - (h.hourStartUs + HOUR_US) > limits.maxAgeMs * 1000;
    const over = limits.maxSize > 0 && total > limits.maxSize;
    if (!old && !over) break;
    out.push({ hourStartUs: h.hourStartUs, reason: old ? 'age' : 'size' });
    total -= h.bytes;
  }
  return out;
}

export interface PruneResult {
  hours: HourDeletion[];
  files: number;
  bytes: number;
}

/** Whether a cut file may be deleted with its hour (the keeper's commit rule). */
export type Committed = (run: string, seq: number) => boolean;

/**
 * Deletes the hours `archive.retention` asks for among `listed` (layout.ts's listing, oldest first), each only if
 * closed by `closedThroughUs`. Empty hour and date directories go too.
 */
export async function pruneArchive(listed: HourDir[], limits: RetentionLimits, closedThroughUs: number, committed: Committed): Promise<PruneResult> {
  const result: PruneResult = { hours: [], files: 0, bytes: 0 };
  if (limits.maxAgeMs === 0 && limits.maxSize === 0) return result;
  const usage: HourUsage[] = [];
  // An hour left with no data and nothing being written (only someone else's files) holds nothing to delete.
  for (const hour of listed.filter((h) => h.names.some((n) => isDataFile(n) || n.startsWith('.')))) {
    const deletable = hour.hourStartUs + HOUR_US <= closedThroughUs && hour.names.every((n) => settled(n, committed));
    usage.push({ hourStartUs: hour.hourStartUs, bytes: limits.maxSize > 0 ? await dataBytes(hour) : 0, deletable });
  }
  const byStart = new Map(listed.map((h) => [h.hourStartUs, h]));
  for (const d of planArchiveRetention(usage, limits)) {
    const hour = byStart.get(d.hourStartUs)!;
    for (const name of hour.names.filter(isDataFile)) {
      const path = join(hour.path, name);
      const size = await stat(path).then((s) => s.size, () => null);
      if (size === null) continue;
      await unlink(path).catch(ignoreGone);
      result.files++;
      result.bytes += size;
    }
    await removeIfEmpty(hour.path);
    await removeIfEmpty(dirname(hour.path));
    result.hours.push(d);
  }
  return result;
}

/** A name that does not keep its hour: a committed cut, a compacted file, or anything that is not the archive's. */
function settled(name: string, committed: Committed): boolean {
  if (name.startsWith('.')) return false; // a file being written (a cut's or a compaction's)
  const part = PART_FILE.exec(name);
  return part === null || committed(part[1]!, Number(part[3]));
}

async function dataBytes(hour: HourDir): Promise<number> {
  let bytes = 0;
  for (const name of hour.names.filter(isDataFile)) bytes += await stat(join(hour.path, name)).then((s) => s.size, () => 0);
  return bytes;
}

async function removeIfEmpty(dir: string): Promise<void> {
  const left = await readdir(dir).catch(() => null);
  if (left !== null && left.length === 0) await rmdir(dir).catch(() => undefined);
}

function ignoreGone(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
