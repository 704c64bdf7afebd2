// The native line writer (native/core/src/gen, used by `logpulse gen`) against its oracle, the TypeScript
// LineWriter: over a matrix of options, seeds and clocks, every block must hold the same bytes and the same
// number of lines, and the stats must be equal — so a single draw taken out of order, or a byte formatted
// differently, fails here.
import { describe, expect, it } from 'vitest';

import { type EventClock, StepClock, WallClock } from '../../src/gen/clock.js';
import { type GenStats, LINE_HEADROOM, LineWriter } from '../../src/gen/line-writer.js';
import { NativeLineWriter } from '../../src/gen/native-line-writer.js';
import { defaultLineOptions, type LineOptions, parseStart } from '../../src/gen/options.js';
import { START_US } from './helpers.js';

interface Writer {
  fill(buf: Buffer, maxLines: number, clock: EventClock, limit: number): number;
  readonly lastLines: number;
  readonly lines: number;
  readonly stats: GenStats;
}

/**
 * `count` lines from both writers in blocks of `blockBytes` (the block boundaries must fall alike too), each
 * with its own clock from `clock()`; fails at the first block that differs, naming the first differing line.
 */
function expectSameLines(o: LineOptions, count: number, clock: () => EventClock, blockBytes = 1 << 16): GenStats {
  const ts: Writer = new LineWriter(o);
  const native: Writer = new NativeLineWriter(o);
  const [tsClock, nativeClock] = [clock(), clock()];
  const a = Buffer.alloc(blockBytes + LINE_HEADROOM);
  const b = Buffer.alloc(blockBytes + LINE_HEADROOM);
  let left = count;
  while (left > 0) {
    // Uneven requests, so a fill also ends on maxLines rather than on the limit.
    const want = Math.min(left, 1 + ((left * 7919) % 5000));
    const n = ts.fill(a, want, tsClock, blockBytes);
    const m = native.fill(b, want, nativeClock, blockBytes);
    if (n !== m || !a.subarray(0, n).equals(b.subarray(0, m))) {
      const tsLines = a.subarray(0, n).toString('latin1').split('\n');
      const nativeLines = b.subarray(0, m).toString('latin1').split('\n');
      const at = Math.max(0, tsLines.findIndex((l, i) => l !== nativeLines[i]));
      expect({ line: count - left + at, native: nativeLines[at]?.slice(0, 300) }).toEqual({ line: count - left + at, native: tsLines[at]?.slice(0, 300) });
      expect(m).toBe(n); // the same lines up to here, and then more or fewer of them
    }
    expect(native.lastLines).toBe(ts.lastLines);
    left -= ts.lastLines;
  }
  expect(native.lines).toBe(ts.lines);
  expect(native.stats).toEqual(ts.stats);
  return ts.stats;
}

const step = (startUs: number, stepUs: number) => () => new StepClock(startUs, stepUs);

/** A clock only the table path runs: times that jump back and forth (late lines then trail a moving newest). */
class JumpClock implements EventClock {
  at(line: number): number {
    return START_US + line * 997 - (line % 13 === 0 ? 90_000_000 : 0) + (line % 29 === 0 ? 5_000_000_000 : 0);
  }
}

const SEEDS = [1, 0, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];

const MATRIX: { name: string; o: Partial<LineOptions> }[] = [
  { name: 'json (the defaults)', o: {} },
  { name: 'json --compact', o: { compact: true } },
  { name: 'csv', o: { format: 'csv' } },
  { name: 'clf common', o: { format: 'clf' } },
  { name: 'clf single', o: { format: 'clf', clfVariant: 'single' } },
  { name: 'clf mixed', o: { format: 'clf', clfVariant: 'mixed' } },
  { name: 'one method, a billion URLs', o: { methods: ['PATCH'], urls: 1_000_000_000 } },
  { name: 'long methods, status weights', o: { format: 'csv', methods: ['GET', 'X'.repeat(32), 'M-SEARCH'], statusDist: [1, 2.5, 0.25] } },
  { name: 'error profile with a pool', o: { users: 1000, errorUserPercent: 10, errorRate: 50, errorUrlPercent: 20, urls: 1000 } },
  { name: 'error profile by hashed IP', o: { format: 'clf', clfVariant: 'mixed', errorUserPercent: 30, errorRate: 80, errorUrlPercent: 40, statusDist: [100, 0, 0] } },
  { name: 'every request an error, all 404', o: { format: 'csv', statusDist: [0, 1, 0], errorUserPercent: 100, errorRate: 100 } },
  { name: 'late lines', o: { lateFraction: 0.2, lateBySeconds: 61.5 } },
];

describe('native line writer = TypeScript line writer', () => {
  for (const { name, o } of MATRIX) {
    it(`${name}: 4 seeds × 20k lines, simulated time`, () => {
      for (const seed of SEEDS) expectSameLines(defaultLineOptions(seed, o), 20_000, step(START_US, 1001));
    });
  }

  for (const format of ['json', 'csv', 'clf'] as const) {
    for (const variant of format === 'clf' ? (['common', 'single', 'mixed'] as const) : (['common'] as const)) {
      for (const compact of format === 'json' ? [false, true] : [false]) {
        it(`every bad-line kind and late lines: ${format}${compact ? ' --compact' : ''}${format === 'clf' ? ` ${variant}` : ''}`, () => {
          const o = defaultLineOptions(5, { format, compact, clfVariant: variant, malformedFraction: 0.3, lateFraction: 0.1, users: 50, errorUserPercent: 20 });
          const stats = expectSameLines(o, 6000, step(START_US, 266_898));
          for (const [kind, n] of Object.entries(stats.bad)) expect({ kind, seen: n > 0 }).toEqual({ kind, seen: !(kind === 'missing_field' && format === 'clf') });
          expect(stats.late).toBeGreaterThan(0);
        });
      }
    }
  }

  it('clocks: whole seconds, sub-µs and zero steps, the table path, far-future years', () => {
    const o = defaultLineOptions(11, { malformedFraction: 0.02, lateFraction: 0.05 });
    expectSameLines(o, 30_000, step(START_US, 1_000_000));
    expectSameLines(o, 30_000, step(START_US + 999_999, 0.37));
    expectSameLines(o, 10_000, step(START_US, 0));
    expectSameLines(o, 30_000, () => new JumpClock());
    expectSameLines({ ...o, format: 'clf' }, 30_000, () => new JumpClock());
    // Past 2242 a µs of .999999 divided by 1e6 rounds up to the next second; past 2255 a JS number skips µs.
    for (const start of ['2250-01-01T00:00:00.999999Z', '2300-06-01T12:00:00Z', '9000-12-31T23:59:00Z']) {
      expectSameLines({ ...o, format: 'csv' }, 20_000, step(parseStart(start), 1_000_001));
      expectSameLines({ ...o, format: 'clf' }, 5000, step(parseStart(start), 999_999.5));
    }
  });

  it('blocks of any size: one line per block at the smallest', () => {
    const o = defaultLineOptions(3, { format: 'clf', clfVariant: 'mixed', malformedFraction: 0.05, lateFraction: 0.05 });
    expectSameLines(o, 3000, step(START_US, 1000), 1);
    expectSameLines(o, 50_000, step(START_US, 1000), 1 << 20);
  });

  it('live wall clock: the same lines but for their timestamps, which are now', () => {
    const o = defaultLineOptions(9, { format: 'csv', lateFraction: 0.1 });
    const before = Date.now();
    const ts = new LineWriter(o);
    const native = new NativeLineWriter(o);
    const a = Buffer.alloc((1 << 20) + LINE_HEADROOM);
    const b = Buffer.alloc((1 << 20) + LINE_HEADROOM);
    const n = ts.fill(a, 15_000, new WallClock(), 1 << 20);
    const m = native.fill(b, 15_000, new WallClock(), 1 << 20);
    expect(native.lastLines).toBe(15_000);
    const withoutTime = (buf: Buffer): string[] => buf.toString('latin1').split('\n').map((l) => l.replace(/^[^;]*;/, ''));
    expect(withoutTime(b.subarray(0, m))).toEqual(withoutTime(a.subarray(0, n)));
    const after = Date.now();
    // Now, give or take the wall clock's re-sync (clock.ts: within 50 ms); late lines 60 s behind the newest.
    for (const line of b.subarray(0, m).toString().split('\n').slice(0, -1)) {
      const ms = Date.parse(line.slice(0, line.indexOf(';')));
      expect(ms).toBeGreaterThanOrEqual(before - 60_100);
      expect(ms).toBeLessThanOrEqual(after + 100);
    }
    expect(native.stats).toEqual(ts.stats);
  });

  it('bad options and a buffer without headroom are errors naming them, not crashes', () => {
    expect(() => new NativeLineWriter(defaultLineOptions(1, { methods: [] }))).toThrow(/LP_ERR_NATIVE_OPTION: methods/);
    expect(() => new NativeLineWriter(defaultLineOptions(1, { urls: 0 }))).toThrow(/LP_ERR_NATIVE_OPTION: urls/);
    expect(() => new NativeLineWriter(defaultLineOptions(1.5))).toThrow(/LP_ERR_NATIVE_OPTION: seed/);
    const w = new NativeLineWriter(defaultLineOptions(1));
    expect(() => w.fill(Buffer.alloc(1000), 10, new StepClock(START_US, 1), 100)).toThrow(/LP_ERR_NATIVE_OPTION: limit/);
    expect(w.lines).toBe(0);
  });
});
