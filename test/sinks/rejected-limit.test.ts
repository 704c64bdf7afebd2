// limits.rejectedPerSecond: which rejected lines are written, how many are counted as dropped, and the warning's pace.
import { describe, expect, it } from 'vitest';

import { RejectedLimit } from '../../src/sinks/rejected-limit.js';

const rejected = (from: number, n: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => `{"reason":"malformed","source":"s","line":"${from + i}"}\n`).join(''));
const numbers = (b: Buffer): number[] =>
  b
    .toString()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Number((JSON.parse(l) as { line: string }).line));

describe('RejectedLimit', () => {
  it('writes up to one second of lines at once, then perSecond a second, and counts every line it drops', () => {
    let now = 1_000_000;
    const warnings: { dropped: number; perSecond: number }[] = [];
    const limit = new RejectedLimit({ perSecond: 10, now: () => now, warn: (d) => warnings.push(d) });
    const all = rejected(0, 4);
    expect(limit.take(all)).toBe(all); // under the cap: the same buffer, untouched
    expect(numbers(limit.take(rejected(4, 10)))).toEqual([4, 5, 6, 7, 8, 9]);
    expect(limit.dropped).toBe(4);
    expect(limit.take(rejected(14, 3)).length).toBe(0);
    expect(limit.dropped).toBe(7);
    now += 300; // 3 lines' worth
    expect(numbers(limit.take(rejected(17, 5)))).toEqual([17, 18, 19]);
    expect(limit.dropped).toBe(9);
    now += 60_000; // the bucket fills up to one second's worth, not more
    expect(numbers(limit.take(rejected(22, 12)))).toHaveLength(10);
    expect(limit.dropped).toBe(11);
    // Dropping warns at once, then at most every 30 s, with the running count.
    expect(warnings).toEqual([
      { dropped: 4, perSecond: 10 },
      { dropped: 11, perSecond: 10 },
    ]);
  });

  it('warns again exactly 30 s after the last warning, not before; counts a last line without its newline', () => {
    let now = 0;
    const warnings: number[] = [];
    const limit = new RejectedLimit({ perSecond: 0, now: () => now, warn: (d) => warnings.push(d.dropped) });
    limit.take(rejected(0, 2));
    now = 29_999;
    limit.take(rejected(2, 1));
    now = 30_000;
    limit.take(Buffer.concat([rejected(3, 1), Buffer.from('{"reason":"malformed","source":"s","line":"4"}')]));
    expect(warnings).toEqual([2, 5]);
    expect(limit.dropped).toBe(5);
  });

  it('at 0 writes nothing and still counts', () => {
    const limit = new RejectedLimit({ perSecond: 0, now: () => 0 });
    expect(limit.take(rejected(0, 5)).length).toBe(0);
    expect(limit.dropped).toBe(5);
  });

  it('takes a new rate without refilling past it', () => {
    let now = 0;
    const limit = new RejectedLimit({ perSecond: 100, now: () => now });
    limit.setPerSecond(2);
    expect(numbers(limit.take(rejected(0, 5)))).toEqual([0, 1]);
    now += 1000;
    limit.setPerSecond(1000); // the bucket holds what 2 a second gave it: 2
    expect(numbers(limit.take(rejected(5, 5)))).toEqual([5, 6]);
    expect(limit.dropped).toBe(6);
    now += 1000;
    expect(numbers(limit.take(rejected(10, 500)))).toHaveLength(500);
    expect(limit.dropped).toBe(6);
  });
});
