// Which complete output files retention deletes (README, Retention): a pure decision over a kind's listing, so the
// rules that protect data are testable without a disk. Oldest first (by sequence number, the order they were
// written), by age then by size; never a file after `safeThrough` (the last durable cut's mark: a restart from that
// checkpoint replays what comes after it, and the files up to it are what the checkpoint counts on), and never the
// newest complete file (a restart continues the sequence after the highest file on disk; keeping it keeps the
// numbers rising, so marks and file order stay one order).
import type { RetentionLimits } from '../config/types.js';

export interface CompleteFile {
  name: string;
  seq: number;
  bytes: number;
  /** Last modification (the seal), ms since the epoch. */
  mtimeMs: number;
}

export type RetentionReason = 'age' | 'size';

export interface Deletion {
  file: CompleteFile;
  reason: RetentionReason;
}

/**
 * The files to delete, oldest first. `files`: every complete file of the kind (any order); `safeThrough`: the
 * highest sequence number that may go; `now`: ms since the epoch.
 */
export function planRetention(files: readonly CompleteFile[], limits: RetentionLimits, safeThrough: number, now: number): Deletion[] {
  if (limits.maxAgeMs === 0 && limits.maxSize === 0) return [];
  const sorted = [...files].sort((a, b) => a.seq - b.seq);
  const newest = sorted[sorted.length - 1]?.seq ?? 0;
  const deletable = (f: CompleteFile): boolean => f.seq <= safeThrough && f.seq < newest;
  let total = sorted.reduce((sum, f) => sum + f.bytes, 0);
  const out: Deletion[] = [];
  for (const file of sorted) {
    if (!deletable(file)) break; // oldest first: nothing after a file that must stay goes either
    const old = limits.maxAgeMs > 0 && now - file.mtimeMs > limits.maxAgeMs;
    const over = limits.maxSize > 0 && total > limits.maxSize;
    if (!old && !over) break;
    out.push({ file, reason: old ? 'age' : 'size' });
    total -= file.bytes;
  }
  return out;
}
