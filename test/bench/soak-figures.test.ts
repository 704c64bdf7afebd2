// The soak's figures (bench/soak-results.ts): the warm-up is dropped before anything is computed, the slope is a
// least-squares fit in MB/hour, and the band and open files come from the samples after warm-up.
import { expect, it } from 'vitest';

import { soakFigures, type SoakSamples } from '../../bench/soak-results.js';
import { leastSquaresSlope } from '../../bench/stats.js';

/** One sample a second for `seconds`, RSS from `rss(t)`. */
function samples(seconds: number, rss: (t: number) => number, fds: (t: number) => number = () => 32): SoakSamples {
  const t = Array.from({ length: seconds + 1 }, (_, i) => i);
  return { t, rssMb: t.map(rss), fds: t.map(fds) };
}

it('least squares: the slope of a line, whatever its noise averages to', () => {
  expect(leastSquaresSlope([0, 1, 2, 3], [5, 7, 9, 11])).toBeCloseTo(2, 10);
  expect(leastSquaresSlope([0, 1, 2, 3], [1, -1, 1, -1])).toBeCloseTo(-0.4, 10);
  expect(leastSquaresSlope([1], [1])).toBeNaN();
  expect(leastSquaresSlope([2, 2], [1, 3])).toBeNaN();
});

it('memory that grows 1 MB a minute after warm-up: 60 MB/hour, whatever the warm-up did', () => {
  // A warm-up that climbs 100 MB in 60 s, then +1 MB/min: the climb must not be in the slope.
  const f = soakFigures(samples(600, (t) => (t < 60 ? 100 + (100 * t) / 60 : 200 + (t - 60) / 60)), 60);
  expect(f.slopeMbPerHour).toBeCloseTo(60, 6);
  expect(f.lateSlopeMbPerHour).toBeCloseTo(60, 6);
  expect(f.rssMinMb).toBeCloseTo(200, 6);
  expect(f.rssMaxMb).toBeCloseTo(209, 6);
  expect(f.rssEndMb).toBeGreaterThan(f.rssAfterWarmupMb + 7);
});

it('a sawtooth around a flat level: slope near 0, band its half-height, open files from the first sample after warm-up', () => {
  const f = soakFigures(
    samples(1200, (t) => 150 + (t % 100) / 5, (t) => (t < 30 ? 20 : t === 1200 ? 35 : 33)),
    30,
  );
  expect(Math.abs(f.slopeMbPerHour)).toBeLessThan(2);
  expect(f.rssMinMb).toBe(150);
  expect(f.rssMaxMb).toBeCloseTo(169.8, 6);
  expect(f.fdsStart).toBe(33);
  expect(f.fdsEnd).toBe(35);
  expect(f.fdsMax).toBe(35);
  expect(f.bandPercent).toBeGreaterThan(5);
  expect(f.bandPercent).toBeLessThan(15);
});
