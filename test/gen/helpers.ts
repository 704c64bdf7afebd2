// Making lines in-process (no child process) for the tests of test/gen/ (spawning `logpulse gen`: test/support/cli.ts).
import { StepClock } from '../../src/gen/clock.js';
import { type GenStats, LINE_HEADROOM, LineWriter } from '../../src/gen/line-writer.js';
import { defaultLineOptions, type LineOptions } from '../../src/gen/options.js';

/** 2025-06-09T09:42:40Z, the seed's sample day. */
export const START_US = Date.UTC(2025, 5, 9, 9, 42, 40) * 1000;

export function lineOptions(overrides: Partial<LineOptions> = {}): LineOptions {
  return defaultLineOptions(1, overrides);
}

/** `count` lines in simulated time (`stepUs` apart from START_US), made in blocks of `blockBytes`. */
export function makeLines(
  overrides: Partial<LineOptions>,
  count: number,
  { stepUs = 1000, blockBytes = 1 << 20 }: { stepUs?: number; blockBytes?: number } = {},
): { data: Buffer; stats: GenStats; writer: LineWriter } {
  const writer = new LineWriter(lineOptions(overrides));
  const clock = new StepClock(START_US, stepUs);
  const buf = Buffer.alloc(blockBytes + LINE_HEADROOM);
  const parts: Buffer[] = [];
  let left = count;
  while (left > 0) {
    const n = writer.fill(buf, left, clock, blockBytes);
    parts.push(Buffer.from(buf.subarray(0, n)));
    left -= writer.lastLines;
  }
  return { data: Buffer.concat(parts), stats: writer.stats, writer };
}

export const textLines = (data: Buffer | string): string[] => data.toString().split('\n').filter((l) => l.length > 0);
