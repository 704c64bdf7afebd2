// The archive's run ledger: a daemon writing to the archive leaves `_logpulse/runs/<run>.json` while it runs and
// removes it when it ends cleanly. A ledger found at start is a run that crashed; it says what that run read and
// how its source replays, which decides which of its files the next start keeps (see recovery.ts).
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { writeFileAtomic } from '../durable-file.js';
import { RUNS_DIR } from './layout.js';
import { dirMode } from '../file-modes.js';

/**
 * What a restart does with a source's input: `replays` (Kafka, a file: resumes from the checkpointed positions),
 * `rereads` (ledgers of earlier versions, whose file runs started again at byte 0), `none` (stdin, TCP, generator:
 * what was read is not read again).
 */
export type ReplayMode = 'replays' | 'rereads' | 'none';

export interface RunLedger {
  run: string;
  source: string;
  replay: ReplayMode;
  startedAt: string;
}

export async function openLedger(archiveDir: string, ledger: RunLedger): Promise<void> {
  const dir = join(archiveDir, RUNS_DIR);
  await mkdir(dir, { recursive: true, mode: dirMode() });
  await writeFileAtomic(join(dir, `${ledger.run}.json`), `${JSON.stringify(ledger)}\n`);
}

export async function closeLedger(archiveDir: string, run: string): Promise<void> {
  await rm(join(archiveDir, RUNS_DIR, `${run}.json`), { force: true });
}

/** Ledgers of runs that did not end cleanly; an unreadable one is reported with `error`. */
export async function crashedRuns(archiveDir: string): Promise<(RunLedger | { run: string; error: string })[]> {
  const dir = join(archiveDir, RUNS_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: (RunLedger | { run: string; error: string })[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const run = name.slice(0, -'.json'.length);
    try {
      const l = JSON.parse(await readFile(join(dir, name), 'utf8')) as RunLedger;
      out.push({ ...l, run });
    } catch (err) {
      out.push({ run, error: (err as Error).message });
    }
  }
  return out;
}
