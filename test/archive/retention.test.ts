// Retention of the Parquet archive (src/archive/retention.ts): whole hours, oldest first, age counted from the newest
// hour, and never an hour that is open, being written, or holding a cut a restart may still remove.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { HOUR_US, listHours, partitionOf } from '../../src/archive/layout.js';
import { planArchiveRetention, pruneArchive } from '../../src/archive/retention.js';

const H0 = Date.UTC(2025, 5, 1) * 1000; // 2025-06-01T00:00Z in µs
const HOUR_MS = 3_600_000;
const hour = (i: number) => H0 + i * HOUR_US;

describe('planArchiveRetention', () => {
  const usage = (n: number, bytes = 100) => Array.from({ length: n }, (_, i) => ({ hourStartUs: hour(i), bytes, deletable: true }));

  it('by age, from the end of the newest hour (event time), not from the wall clock', () => {
    // Hours 0..9: the newest ends at 10:00; 3 h before is 07:00, so hours ending before it (0..5) go.
    expect(planArchiveRetention(usage(10), { maxAgeMs: 3 * HOUR_MS, maxSize: 0 }).map((d) => (d.hourStartUs - H0) / HOUR_US)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('by size, oldest first, until the archive fits', () => {
    const plan = planArchiveRetention(usage(10), { maxAgeMs: 0, maxSize: 250 });
    expect(plan.map((d) => `${(d.hourStartUs - H0) / HOUR_US}:${d.reason}`)).toEqual(['0:size', '1:size', '2:size', '3:size', '4:size', '5:size', '6:size', '7:size']);
  });

  it('stops at the first hour that must stay', () => {
    const u = usage(10);
    u[3]!.deletable = false;
    expect(planArchiveRetention(u, { maxAgeMs: 1, maxSize: 1 }).map((d) => (d.hourStartUs - H0) / HOUR_US)).toEqual([0, 1, 2]);
    expect(planArchiveRetention(usage(10), { maxAgeMs: 0, maxSize: 0 })).toEqual([]);
  });
});

describe('pruneArchive', () => {
  /** An archive of hours 0..n-1, each with a compacted file and a committed cut of run `old`. */
  function archive(n: number): string {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-archive-retention-'));
    for (let i = 0; i < n; i++) {
      const p = join(dir, partitionOf(hour(i)));
      mkdirSync(p, { recursive: true });
      writeFileSync(join(p, 'compact-old-0000000001.parquet'), 'x'.repeat(1000));
      writeFileSync(join(p, 'part-old-0-0000000002.parquet'), 'y'.repeat(500));
    }
    return dir;
  }

  const committed = (run: string, seq: number) => run !== 'live' || seq <= 5;

  it('deletes whole closed hours, and their empty hour and date directories', async () => {
    const dir = archive(30); // 2025-06-01 00:00 .. 2025-06-02 05:00
    const r = await pruneArchive(await listHours(dir), { maxAgeMs: 5 * HOUR_MS, maxSize: 0 }, hour(30), committed);
    expect(r.hours.length).toBe(24); // the newest ends at 06:00 on the 2nd: hours ending more than 5 h before go
    expect(r.files).toBe(48);
    expect(r.bytes).toBe(24 * 1500);
    expect(existsSync(join(dir, 'date=2025-06-01'))).toBe(false);
    expect(readdirSync(join(dir, 'date=2025-06-02'))).toEqual(['hour=00', 'hour=01', 'hour=02', 'hour=03', 'hour=04', 'hour=05']);
    expect(readdirSync(dir)).toEqual(['date=2025-06-02']);
  });

  it('never an open hour, one with a file being written, or one with an uncommitted cut (nor any after it)', async () => {
    const dir = archive(10);
    writeFileSync(join(dir, partitionOf(hour(4)), '.inprogress-live-0-x.parquet.part'), '');
    const limits = { maxAgeMs: 1, maxSize: 1 };
    // Closed through hour 2's end: hours 0 and 1 go, hour 2 is the closed one (so not beyond it).
    let r = await pruneArchive(await listHours(dir), limits, hour(3), committed);
    expect(r.hours.map((h) => (h.hourStartUs - H0) / HOUR_US)).toEqual([0, 1, 2]);
    r = await pruneArchive(await listHours(dir), limits, hour(10), committed);
    expect(r.hours.map((h) => (h.hourStartUs - H0) / HOUR_US)).toEqual([3]); // hour 4 is being written
    writeFileSync(join(dir, partitionOf(hour(5)), 'part-live-1-0000000009.parquet'), 'z'); // after the durable cut
    r = await pruneArchive(await listHours(dir), limits, hour(10), (run, seq) => run !== 'live' || seq <= 5);
    expect(r.hours).toEqual([]);
  });

  it('an hour left with someone else\'s file only is not deleted again and again', async () => {
    const dir = archive(4);
    writeFileSync(join(dir, partitionOf(hour(0)), '_SUCCESS'), '');
    const limits = { maxAgeMs: HOUR_MS, maxSize: 0 };
    expect((await pruneArchive(await listHours(dir), limits, hour(4), committed)).hours.length).toBe(2);
    expect(readdirSync(join(dir, partitionOf(hour(0))))).toEqual(['_SUCCESS']);
    expect((await pruneArchive(await listHours(dir), limits, hour(4), committed)).hours).toEqual([]);
  });

  it('by size over the Parquet files only', async () => {
    const dir = archive(10);
    mkdirSync(join(dir, '_logpulse', 'runs'), { recursive: true });
    writeFileSync(join(dir, '_logpulse', 'runs', 'live.json'), 'x'.repeat(100_000));
    const r = await pruneArchive(await listHours(dir), { maxAgeMs: 0, maxSize: 4000 }, hour(10), committed);
    expect(r.hours.length).toBe(8);
    expect(readdirSync(join(dir, 'date=2025-06-01'))).toEqual(['hour=08', 'hour=09']);
  });
});
