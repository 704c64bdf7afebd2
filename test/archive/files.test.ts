// Which files the batch layer reads: visible Parquet files under date=/hour= partitions, the compaction journal
// rule, and partition pruning by --since/--until.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { listArchiveFiles } from '../../src/archive/files.js';
import { COMPACT_FILE, COMPACTIONS_DIR, hourStartUs, META_DIR, PART_FILE } from '../../src/archive/layout.js';

function archive(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-files-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const rel = (dir: string, files: string[]): string[] => files.map((f) => f.slice(dir.length + 1));
const us = (iso: string): number => Date.parse(iso) * 1000;

describe('listArchiveFiles', () => {
  it('lists visible .parquet files under date=/hour= only, sorted', async () => {
    const dir = archive({
      'date=2026-12-06/hour=10/part-r1-1-0000000001.parquet': '',
      'date=2026-12-06/hour=10/part-r1-0-0000000001.parquet': '',
      'date=2026-12-06/hour=10/.inprogress-r1-0-x.parquet.part': '',
      'date=2026-12-06/hour=10/.compact-r1-0000000001.parquet': '',
      'date=2026-12-06/hour=10/notes.txt': '',
      'date=2026-12-05/hour=23/compact-r1-0000000001.parquet': '',
      'date=2026-12-05/stray.parquet': '',
      'date=2026-13-45/hour=10/part-r1-0-0000000001.parquet': '',
      'date=2026-12-05/hour=24/part-r1-0-0000000001.parquet': '',
      'other/hour=10/part-r1-0-0000000001.parquet': '',
      [`${META_DIR}/runs/x.parquet`]: '',
    });
    const listed = await listArchiveFiles(dir);
    expect(rel(dir, listed.files)).toEqual([
      'date=2026-12-05/hour=23/compact-r1-0000000001.parquet',
      'date=2026-12-06/hour=10/part-r1-0-0000000001.parquet',
      'date=2026-12-06/hour=10/part-r1-1-0000000001.parquet',
    ]);
    expect(listed.hours).toBe(2);
  });

  it('a missing archive has no files', async () => {
    expect(await listArchiveFiles(join(tmpdir(), 'logpulse-no-such-archive'))).toEqual({ files: [], hours: 0 });
  });

  it('prunes hour partitions outside [since, until)', async () => {
    const dir = archive({
      'date=2026-12-06/hour=09/part-r1-0-0000000001.parquet': '',
      'date=2026-12-06/hour=10/part-r1-0-0000000001.parquet': '',
      'date=2026-12-06/hour=11/part-r1-0-0000000001.parquet': '',
      'date=2026-12-06/hour=12/part-r1-0-0000000001.parquet': '',
    });
    const listed = await listArchiveFiles(dir, { sinceUs: us('2026-12-06T10:30:00Z'), untilUs: us('2026-12-06T12:00:00Z') });
    expect(rel(dir, listed.files)).toEqual(['date=2026-12-06/hour=10/part-r1-0-0000000001.parquet', 'date=2026-12-06/hour=11/part-r1-0-0000000001.parquet']);
  });

  it('a compaction journal whose output exists supersedes its inputs; one whose output does not, nothing', async () => {
    const done = { output: 'date=2026-12-06/hour=10/compact-r1-0000000001.parquet', inputs: ['date=2026-12-06/hour=10/part-r1-0-0000000001.parquet', 'date=2026-12-06/hour=10/part-r1-1-0000000001.parquet'] };
    const pending = { output: 'date=2026-12-06/hour=11/compact-r1-0000000002.parquet', inputs: ['date=2026-12-06/hour=11/part-r1-0-0000000001.parquet'] };
    const dir = archive({
      'date=2026-12-06/hour=10/compact-r1-0000000001.parquet': '',
      'date=2026-12-06/hour=10/part-r1-0-0000000001.parquet': '',
      'date=2026-12-06/hour=10/part-r1-1-0000000001.parquet': '',
      'date=2026-12-06/hour=10/part-r2-0-0000000001.parquet': '',
      'date=2026-12-06/hour=11/part-r1-0-0000000001.parquet': '',
      'date=2026-12-06/hour=11/.compact-r1-0000000002.parquet.part': '',
      [`${COMPACTIONS_DIR}/a.json`]: JSON.stringify(done),
      [`${COMPACTIONS_DIR}/b.json`]: JSON.stringify(pending),
      [`${COMPACTIONS_DIR}/.c.json.tmp`]: '{',
    });
    expect(rel(dir, (await listArchiveFiles(dir)).files)).toEqual([
      'date=2026-12-06/hour=10/compact-r1-0000000001.parquet',
      'date=2026-12-06/hour=10/part-r2-0-0000000001.parquet',
      'date=2026-12-06/hour=11/part-r1-0-0000000001.parquet',
    ]);
  });

  it('refuses a journal that is not one, naming it', async () => {
    const dir = archive({ 'date=2026-12-06/hour=10/a.parquet': '', [`${COMPACTIONS_DIR}/bad.json`]: '{"output": 1}' });
    await expect(listArchiveFiles(dir)).rejects.toMatchObject({ code: 'LP_ERR_BATCH_INPUT', path: join(dir, COMPACTIONS_DIR, 'bad.json') });
  });
});

describe('archive names', () => {
  it('part and compact file patterns', () => {
    expect(PART_FILE.exec('part-k2x9-3-0000000042.parquet')?.slice(1)).toEqual(['k2x9', '3', '0000000042']);
    expect(COMPACT_FILE.exec('compact-k2x9-0000000042.parquet')?.slice(1)).toEqual(['k2x9', '0000000042']);
    expect(PART_FILE.test('.part-k2x9-3-0000000042.parquet')).toBe(false);
  });

  it('hour starts, and no hour for impossible dates', () => {
    expect(hourStartUs('date=2026-12-06', 'hour=10')).toBe(us('2026-12-06T10:00:00Z'));
    expect(hourStartUs('date=2026-02-31', 'hour=10')).toBeNull();
    expect(hourStartUs('date=2026-12-06', 'hour=24')).toBeNull();
  });
});
