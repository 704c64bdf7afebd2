// What a start keeps of a crashed run's archive cuts: the records a restart reads again must not be in the
// archive twice, the ones it does not read again must not be lost.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { compactHour, compactionJobs, settleJournals } from '../../src/archive/compaction.js';
import { crashedRuns, openLedger, type ReplayMode } from '../../src/archive/ledger.js';
import { COMPACTIONS_DIR, HOUR_US, listHours, partitionOf } from '../../src/archive/layout.js';
import { recoverArchive } from '../../src/archive/recovery.js';

const log = pino({ level: 'silent' });
const H0 = Date.UTC(2025, 5, 9, 9) * 1000;

/** An archive with cuts 1..3 of run `r1` (shards 0 and 1) in two hours, and a ledger saying r1 never ended. */
async function crashedArchive(replay: ReplayMode, source = 'src'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lp-archive-'));
  for (const h of [H0, H0 + HOUR_US]) {
    const p = join(dir, partitionOf(h));
    mkdirSync(p, { recursive: true });
    for (const seq of [1, 2, 3]) for (const shard of [0, 1]) writeFileSync(join(p, `part-r1-${shard}-${String(seq).padStart(10, '0')}.parquet`), 'x');
    writeFileSync(join(p, `.inprogress-r1-0-${h}.parquet.part`), 'half');
    writeFileSync(join(p, 'part-r0-0-0000000009.parquet'), 'an older, finished run');
  }
  await openLedger(dir, { run: 'r1', source, replay, startedAt: new Date().toISOString() });
  return dir;
}

const names = (dir: string) =>
  readdirSync(join(dir, partitionOf(H0)))
    .concat(readdirSync(join(dir, partitionOf(H0 + HOUR_US))))
    .sort();
const cutsLeft = (dir: string) => names(dir).filter((n) => n.startsWith('part-r1-')).length;

describe('archive recovery at start', () => {
  it('a replaying source keeps the cuts its checkpoint includes and deletes the later ones', async () => {
    const dir = await crashedArchive('replays');
    const r = await recoverArchive(dir, { source: 'src', replay: 'replays' }, { run: 'r1', seq: 2 }, log);
    expect(r).toEqual({ runs: 1, deleted: 4 });
    expect(cutsLeft(dir)).toBe(8);
    expect(names(dir).some((n) => n.includes('-0000000003'))).toBe(false);
    expect(names(dir).some((n) => n.startsWith('.inprogress'))).toBe(false);
    expect(names(dir).filter((n) => n.startsWith('part-r0-'))).toHaveLength(2);
    expect(await crashedRuns(dir)).toEqual([]);
  });

  it('a checkpoint from an earlier run means none of the crashed run\'s cuts were committed', async () => {
    const dir = await crashedArchive('replays');
    await recoverArchive(dir, { source: 'src', replay: 'replays' }, { run: 'r0', seq: 9 }, log);
    expect(cutsLeft(dir)).toBe(0);
  });

  it('an unreadable checkpoint keeps everything (nothing is known to be replayed)', async () => {
    const dir = await crashedArchive('replays');
    await recoverArchive(dir, { source: 'src', replay: 'replays' }, 'unknown', log);
    expect(cutsLeft(dir)).toBe(12);
  });

  it('a file read again from its start loses every cut of the crashed run over it', async () => {
    const dir = await crashedArchive('rereads');
    await recoverArchive(dir, { source: 'src', replay: 'rereads' }, null, log);
    expect(cutsLeft(dir)).toBe(0);
    expect(names(dir).filter((n) => n.startsWith('part-r0-'))).toHaveLength(2);
  });

  it('another source, or one that is not read again, keeps every cut', async () => {
    for (const [replay, source] of [['rereads', 'other'], ['none', 'src']] as const) {
      const dir = await crashedArchive(replay, source);
      await recoverArchive(dir, { source: 'src', replay: replay === 'none' ? 'none' : 'rereads' }, null, log);
      expect(cutsLeft(dir)).toBe(12);
      expect(await crashedRuns(dir)).toEqual([]);
    }
  });
});

describe('archive compaction', () => {
  it('takes closed hours with two or more committed files only', async () => {
    const dir = await crashedArchive('none');
    const hours = await listHours(dir);
    const committed = (run: string, seq: number) => run !== 'r1' || seq <= 1;
    expect(compactionJobs(hours, H0 + HOUR_US - 1, committed)).toEqual([]);
    const jobs = compactionJobs(hours, H0 + HOUR_US, committed);
    expect(jobs.map((j) => [j.hour.partition, j.inputs])).toEqual([
      [partitionOf(H0), ['part-r0-0-0000000009.parquet', 'part-r1-0-0000000001.parquet', 'part-r1-1-0000000001.parquet']],
    ]);
  });

  it('runs under a journal: inputs deleted after the output exists, journal gone', async () => {
    const dir = await crashedArchive('none');
    const [job] = compactionJobs(await listHours(dir), H0 + HOUR_US, () => true);
    const rows = await compactHour(dir, job!, { run: 'r2', seq: 7 }, async (inputs, output) => {
      expect(readdirSync(join(dir, COMPACTIONS_DIR))).toHaveLength(1);
      writeFileSync(output, 'merged');
      return inputs.length;
    });
    expect(rows).toBe(7);
    expect(readdirSync(join(dir, partitionOf(H0))).filter((n) => n.endsWith('.parquet'))).toEqual(['compact-r2-0000000007.parquet']);
    expect(readdirSync(join(dir, COMPACTIONS_DIR))).toEqual([]);
  });

  it('a start finishes a journal whose output exists and drops one whose output does not', async () => {
    const dir = await crashedArchive('none');
    const p = partitionOf(H0);
    mkdirSync(join(dir, COMPACTIONS_DIR), { recursive: true });
    writeFileSync(join(dir, p, 'compact-r2-0000000007.parquet'), 'merged');
    writeFileSync(join(dir, COMPACTIONS_DIR, 'a.json'), JSON.stringify({ output: `${p}/compact-r2-0000000007.parquet`, inputs: [`${p}/part-r1-0-0000000001.parquet`] }));
    writeFileSync(join(dir, p, '.compact-r2-0000000008.parquet.part'), 'half');
    writeFileSync(join(dir, COMPACTIONS_DIR, 'b.json'), JSON.stringify({ output: `${p}/compact-r2-0000000008.parquet`, inputs: [`${p}/part-r1-1-0000000001.parquet`] }));
    await settleJournals(dir, log);
    expect(existsSync(join(dir, p, 'part-r1-0-0000000001.parquet'))).toBe(false);
    expect(existsSync(join(dir, p, 'part-r1-1-0000000001.parquet'))).toBe(true);
    expect(existsSync(join(dir, p, '.compact-r2-0000000008.parquet.part'))).toBe(false);
    expect(readdirSync(join(dir, COMPACTIONS_DIR))).toEqual([]);
  });
});
