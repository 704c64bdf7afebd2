// Retention of the output files (src/daemon/retention-plan.ts, retention.ts): which files go, in which order, and
// the ones that never do — a `.part`, a file after the last durable cut's mark, the newest complete file — on a real
// directory, with a reader that holds a file open while it is deleted.
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createLogger } from '../../src/log.js';
import { type CompleteFile, planRetention } from '../../src/daemon/retention-plan.js';
import { RetentionSweeper } from '../../src/daemon/retention.js';
import { fileName } from '../../src/sinks/file-names.js';
import type { FileKind } from '../../src/sinks/sink.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 20);
const NONE = { maxAgeMs: 0, maxSize: 0 };

/** Files 1..n, 100 bytes each, file i last written (n - i) days before NOW. */
const files = (n: number): CompleteFile[] =>
  Array.from({ length: n }, (_, i) => ({ name: `f${i + 1}`, seq: i + 1, bytes: 100, mtimeMs: NOW - (n - i - 1) * DAY }));

describe('planRetention', () => {
  it('deletes by age, oldest first', () => {
    const plan = planRetention(files(10), { maxAgeMs: 7 * DAY, maxSize: 0 }, 10, NOW);
    // Files 1 and 2 are 9 and 8 days old; file 3 is exactly 7 days old and stays.
    expect(plan.map((d) => [d.file.seq, d.reason])).toEqual([[1, 'age'], [2, 'age']]);
  });

  it('deletes by size, oldest first, until the kind fits', () => {
    const plan = planRetention(files(10), { maxAgeMs: 0, maxSize: 450 }, 10, NOW);
    expect(plan.map((d) => d.file.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(plan.every((d) => d.reason === 'size')).toBe(true);
  });

  it('says age for the old files and size for the rest when both apply', () => {
    const plan = planRetention(files(10), { maxAgeMs: 8 * DAY, maxSize: 300 }, 10, NOW);
    expect(plan.map((d) => `${d.file.seq}:${d.reason}`)).toEqual(['1:age', '2:size', '3:size', '4:size', '5:size', '6:size', '7:size']);
  });

  it('never deletes a file after the durable cut nor the newest file, whatever the limit wants', () => {
    expect(planRetention(files(10), { maxAgeMs: 1, maxSize: 1 }, 4, NOW).map((d) => d.file.seq)).toEqual([1, 2, 3, 4]);
    expect(planRetention(files(10), { maxAgeMs: 1, maxSize: 1 }, 10, NOW).map((d) => d.file.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(planRetention(files(10), { maxAgeMs: 1, maxSize: 1 }, 0, NOW)).toEqual([]);
    expect(planRetention(files(1), { maxAgeMs: 1, maxSize: 1 }, 1, NOW)).toEqual([]);
  });

  it('deletes nothing without limits, and keeps the order of sequence numbers whatever the listing order', () => {
    expect(planRetention(files(10), NONE, 10, NOW)).toEqual([]);
    const shuffled = files(6).reverse();
    expect(planRetention(shuffled, { maxAgeMs: 0, maxSize: 350 }, 6, NOW).map((d) => d.file.seq)).toEqual([1, 2, 3]);
  });
});

describe('RetentionSweeper', () => {
  const kind: FileKind = 'errors';
  /** An output dir with `n` complete errors files (file i: `bytes` bytes, i days old) and an open `.part`. */
  function outputDir(n: number, bytes = 1000): { out: string; dir: string; names: string[] } {
    const out = mkdtempSync(join(tmpdir(), 'logpulse-retention-'));
    const dir = join(out, kind);
    mkdirSync(dir);
    const names: string[] = [];
    for (let seq = 1; seq <= n; seq++) {
      const name = fileName(kind, 'all', '20260101T000000Z', seq);
      writeFileSync(join(dir, name), `${JSON.stringify({ seq, pad: 'x'.repeat(bytes - 30) })}\n`.padEnd(bytes - 1, ' ') + '\n');
      const t = (NOW - (n - seq) * DAY) / 1000;
      utimesSync(join(dir, name), t, t);
      names.push(name);
    }
    // The file being written: older than every limit, never touched.
    const part = `${fileName(kind, 'all', '20251201T000000Z', n + 1)}.part`;
    writeFileSync(join(dir, part), 'half a line');
    utimesSync(join(dir, part), 0, 0);
    names.push(part);
    // Another program's file in the directory is not ours to delete.
    writeFileSync(join(dir, 'notes.txt'), 'keep');
    utimesSync(join(dir, 'notes.txt'), 0, 0);
    return { out, dir, names };
  }

  function sweeper(out: string, limits: { maxAgeMs: number; maxSize: number }, safeThrough: number, deleted: [string, number, number][] = []) {
    const all = { errors: limits, metrics: NONE, rejected: NONE, alerts: NONE, partials: NONE };
    return new RetentionSweeper({
      outDir: out,
      kinds: ['errors', 'metrics', 'rejected', 'alerts'],
      limits: all,
      safeThrough: async () => ({ errors: safeThrough }),
      everyMs: 60_000,
      log: createLogger('warn'),
      onDeleted: (k, n, b) => deleted.push([k, n, b]),
      now: () => NOW,
    });
  }

  it('deletes the old files, never the .part, the newest, a file after the mark, or a file that is not an output file', async () => {
    const { out, dir, names } = outputDir(10);
    const deleted: [string, number, number][] = [];
    const done = await sweeper(out, { maxAgeMs: 1, maxSize: 1 }, 7, deleted).sweep();
    expect(done.map((d) => d.file.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(readdirSync(dir).sort()).toEqual([...names.slice(7), 'notes.txt'].sort());
    expect(deleted).toEqual([['errors', 7, 7000]]);
  });

  it('by size: the kind ends at or under the limit; a second sweep deletes nothing more', async () => {
    const { out, dir } = outputDir(10);
    const s = sweeper(out, { maxAgeMs: 0, maxSize: 3500 }, 10);
    expect((await s.sweep()).map((d) => d.file.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await s.sweep()).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.endsWith('.ndjson')).length).toBe(3);
  });

  it('a reader holding a file open reads it whole after retention deleted it', async () => {
    const { out, dir, names } = outputDir(4, 64 * 1024);
    const oldest = join(dir, names[0]!);
    const expected = readFileSync(oldest);
    const fd = openSync(oldest, 'r');
    try {
      const head = Buffer.alloc(100);
      readSync(fd, head, 0, 100, 0);
      expect((await sweeper(out, { maxAgeMs: DAY, maxSize: 0 }, 4).sweep()).map((d) => d.file.seq)).toEqual([1, 2]);
      expect(readdirSync(dir)).not.toContain(names[0]);
      const rest = Buffer.alloc(expected.length);
      let got = 0;
      for (let n; (n = readSync(fd, rest, got, rest.length - got, got)) > 0; ) got += n;
      expect(got).toBe(expected.length);
      expect(rest.equals(expected)).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  it('takes new limits on a reload, and a file someone else deleted since the last sweep is not counted', async () => {
    const { out, dir, names } = outputDir(6);
    const deleted: [string, number, number][] = [];
    const s = sweeper(out, NONE, 6, deleted);
    expect(await s.sweep()).toEqual([]);
    s.setLimits({ errors: { maxAgeMs: 3 * DAY + 1, maxSize: 0 }, metrics: NONE, rejected: NONE, alerts: NONE, partials: NONE });
    // Listed (and remembered) by the first sweep, gone before the second.
    unlinkSync(join(dir, names[0]!));
    expect((await s.sweep()).map((d) => d.file.seq)).toEqual([2]);
    expect(deleted).toEqual([['errors', 1, 1000]]);
  });
});
