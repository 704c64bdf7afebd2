// Making lines in-process (no child process) and spawning `logpulse gen` for the tests of test/gen/.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { StepClock } from '../../src/gen/clock.js';
import { type GenStats, LINE_HEADROOM, LineWriter } from '../../src/gen/line-writer.js';
import { defaultLineOptions, type LineOptions } from '../../src/gen/options.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

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

export interface Gen {
  child: ChildProcess;
  stdout: () => Buffer;
  stderr: () => string;
  exit: Promise<number | null>;
}

/**
 * Spawns `logpulse gen ARGS` with stdout and stderr captured. `exit` resolves on 'close', once both pipes are
 * read to the end ('exit' can come first, before the last bytes): without captureStdout, the caller must read stdout.
 */
export function spawnGen(args: string[], { captureStdout = true }: { captureStdout?: boolean } = {}): Gen {
  const child = spawn(process.execPath, [CLI, 'gen', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  if (captureStdout) child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = once(child, 'close').then(([code]) => code as number | null);
  return { child, stdout: () => Buffer.concat(out), stderr: () => err, exit };
}
