// Small files of a closed hour become one (readers scan one file of large row groups instead of one per shard and
// cut). A compaction must never show a record twice or lose one, even if the process dies half-way, so it runs
// through a journal:
//   1. `_logpulse/compactions/<id>.json` = {output, inputs} is written durably;
//   2. the native writer merges the inputs into `output` (hidden temp → fsync → rename);
//   3. the inputs are deleted, then the journal.
// While a journal exists, readers (the batch layer, `files.ts`) take its output and skip its inputs if the output
// exists, and take the inputs otherwise; a start finishes or forgets every journal it finds (`settleJournals`).
import { access, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { writeFileAtomic } from '../durable-file.js';
import type { Logger } from '../log.js';
import type { CompactionJournal } from './files.js';
import { COMPACT_FILE, COMPACTIONS_DIR, compactFileName, HOUR_US, type HourDir, PART_FILE } from './layout.js';
import { chmodCreated, dirMode } from '../file-modes.js';

export interface CompactionJob {
  hour: HourDir;
  /** Names inside the hour directory. */
  inputs: string[];
}

/** Merges Parquet files into one (native `compactParquet`); resolves with the rows written. */
export type CompactFn = (inputs: string[], output: string) => Promise<number>;

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Hours worth compacting: closed (their end at or before `closedThroughUs`, so no more on-time records come) and
 * holding two or more files that may be merged. `committed(run, seq)` says whether a cut file may be: a cut the
 * next start could still delete (recovery.ts) must stay a file of its own.
 */
export function compactionJobs(hours: HourDir[], closedThroughUs: number, committed: (run: string, seq: number) => boolean): CompactionJob[] {
  const jobs: CompactionJob[] = [];
  for (const hour of hours) {
    if (hour.hourStartUs + HOUR_US > closedThroughUs) continue;
    const inputs = hour.names.filter((n) => {
      if (COMPACT_FILE.test(n)) return true;
      const p = PART_FILE.exec(n);
      return p !== null && committed(p[1]!, Number(p[3]));
    });
    if (inputs.length >= 2) jobs.push({ hour, inputs });
  }
  return jobs;
}

/** Runs one job under a journal; resolves with the rows of the merged file. */
export async function compactHour(dir: string, job: CompactionJob, id: { run: string; seq: number }, compact: CompactFn): Promise<number> {
  const journalDir = join(dir, COMPACTIONS_DIR);
  await mkdir(journalDir, { recursive: true, mode: dirMode() });
  const output = `${job.hour.partition}/${compactFileName(id.run, id.seq)}`;
  const journal: CompactionJournal = { output, inputs: job.inputs.map((n) => `${job.hour.partition}/${n}`) };
  const journalPath = join(journalDir, `${id.run}-${id.seq}.json`);
  await writeFileAtomic(journalPath, `${JSON.stringify(journal)}\n`);
  const rows = await compact(
    journal.inputs.map((p) => join(dir, p)),
    join(dir, output),
  );
  // Written by the Rust core: it gets output.fileMode like every file the daemon makes.
  await chmodCreated({ files: [join(dir, output)] });
  for (const p of journal.inputs) await rm(join(dir, p), { force: true });
  await rm(journalPath, { force: true });
  return rows;
}

/** At start: a journal whose output exists is finished (its inputs deleted); one whose output does not is dropped. */
export async function settleJournals(dir: string, log: Logger): Promise<void> {
  const journalDir = join(dir, COMPACTIONS_DIR);
  const names = (await readdir(journalDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
  for (const name of names) {
    const path = join(journalDir, name);
    let journal: CompactionJournal;
    try {
      journal = JSON.parse(await readFile(path, 'utf8')) as CompactionJournal;
    } catch {
      // A journal is renamed into place complete, so an unreadable one is not ours to act on.
      log.warn({ journal: path }, 'archive: unreadable compaction journal left in place');
      continue;
    }
    if (await exists(join(dir, journal.output))) {
      for (const p of journal.inputs) await rm(join(dir, p), { force: true });
      log.info({ output: journal.output, inputs: journal.inputs.length }, 'archive: an interrupted compaction was finished');
    } else {
      // The native writer's hidden temp beside the output (`.<name>.part`), if it got that far.
      await rm(join(dir, dirname(journal.output), `.${basename(journal.output)}.part`), { force: true });
      log.info({ output: journal.output }, 'archive: an interrupted compaction was dropped (its inputs stay)');
    }
    await rm(path, { force: true });
  }
}
