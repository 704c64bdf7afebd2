// What a start does with the archive files of runs that crashed, so that the archive holds every record exactly
// once after the restart:
// - a source that replays (Kafka, a file) resumes from the checkpoint, which names the last archive cut it
//   includes (`{run, seq}`): that run's later cuts are deleted, because the replay writes their records again;
// - a run of an earlier version over a file (`rereads`) read it again from byte 0: every cut of it goes;
// - stdin, TCP and the generator are not read again: their cuts stay (at-most-once, like the other outputs of
//   such a source).
// Files still being written when the run died (hidden `.inprogress-…part`) are always deleted; compaction only
// ever takes committed cuts, so nothing deleted here is inside a compacted file.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { Logger } from '../log.js';
import { closeLedger, crashedRuns, type ReplayMode } from './ledger.js';
import { IN_PROGRESS_FILE, listHours, PART_FILE } from './layout.js';

/** The last archive cut a checkpoint includes. */
export interface ArchiveMark {
  run: string;
  seq: number;
}

/** How many cuts of a crashed run stay: every one (`Infinity`), those up to a sequence number, or none (0). */
function keptThrough(replay: ReplayMode, run: string, mark: ArchiveMark | null | 'unknown'): number {
  // An unreadable checkpoint says nothing about what is replayed: keep everything (a duplicate can be found later,
  // a lost record cannot).
  if (replay === 'none' || mark === 'unknown') return Number.POSITIVE_INFINITY;
  if (replay === 'rereads') return 0;
  return mark?.run === run ? mark.seq : 0;
}

export async function recoverArchive(
  dir: string,
  current: { source: string; replay: ReplayMode },
  /** The checkpoint's mark; null without a checkpoint, 'unknown' when it could not be read. */
  mark: ArchiveMark | null | 'unknown',
  log: Logger,
): Promise<{ runs: number; deleted: number }> {
  const runs = await crashedRuns(dir);
  if (runs.length === 0) return { runs: 0, deleted: 0 };
  const keep = new Map<string, number>();
  for (const r of runs) {
    if ('error' in r) {
      // Not knowing what it read, nothing of it is deleted: a duplicate can be found, a lost record cannot.
      log.warn({ run: r.run, err: r.error }, 'archive: unreadable run ledger; that run\'s files are kept');
      keep.set(r.run, Number.POSITIVE_INFINITY);
    } else {
      keep.set(r.run, r.source === current.source ? keptThrough(r.replay, r.run, mark) : Number.POSITIVE_INFINITY);
    }
  }
  let deleted = 0;
  for (const hour of await listHours(dir)) {
    for (const name of hour.names) {
      const temp = IN_PROGRESS_FILE.exec(name);
      const part = PART_FILE.exec(name);
      const run = temp?.[1] ?? part?.[1];
      if (run === undefined || !keep.has(run)) continue;
      if (part && Number(part[3]) <= keep.get(run)!) continue;
      await rm(join(hour.path, name), { force: true });
      if (part) deleted++;
    }
  }
  for (const r of runs) {
    const through = keep.get(r.run)!;
    log.info(
      { run: r.run, keptThroughCut: Number.isFinite(through) ? through : 'all' },
      through === Number.POSITIVE_INFINITY ? 'archive: a crashed run\'s cuts are kept (its input is not read again)' : 'archive: a crashed run\'s uncommitted cuts were removed (their records are read again)',
    );
    await closeLedger(dir, r.run);
  }
  return { runs: runs.length, deleted };
}
