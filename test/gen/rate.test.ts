// --rate holds over time, measured where a reader sees the lines: never ahead of the rate, spread out, stamped
// count / rate seconds apart; live timestamps follow the wall clock at that rate (the wall time a run takes is
// speed, which the benches measure). Each case takes ~10 s of real
// time by nature. Only bounds a stall on a loaded machine cannot break are tight: a stall makes gen late, never early.
import { describe, expect, it } from 'vitest';

import { spawnCli } from '../support/cli.js';
import { textLines } from './helpers.js';

/** gen's pacing tick (TICK_MS in src/gen/generate.ts): at high rates a tick's lines go out together. */
const TICK_MS = 20;

interface Paced {
  lines: string[];
  reads: number;
  /** First read at which more lines had arrived than the rate allows since spawn, described; null if none. */
  ahead: string | null;
  spawnedAt: number;
  exitedAt: number;
}

async function paced(rate: number, seconds: number): Promise<Paced> {
  const count = rate * seconds + 1; // line 0 comes at once, line N at N / rate seconds
  const spawnedAt = Date.now();
  const t0 = performance.now(); // before gen's clock starts, so every bound below is on gen's side
  const g = spawnCli(['gen', '--rate', String(rate), '--count', String(count), '--format', 'csv'], { stdout: 'pipe' });
  let reads = 0;
  let seen = 0;
  let ahead: string | null = null;
  const chunks: Buffer[] = [];
  g.child.stdout!.on('data', (d: Buffer) => {
    const elapsedMs = performance.now() - t0;
    reads++;
    chunks.push(d);
    for (let i = d.indexOf(0x0a); i !== -1; i = d.indexOf(0x0a, i + 1)) seen++;
    const allowed = (rate * elapsedMs) / 1000 + 1 + (rate * TICK_MS) / 1000;
    if (seen > allowed && ahead === null) ahead = `${seen} lines ${elapsedMs.toFixed(0)} ms after spawn, at most ${Math.floor(allowed)} allowed`;
  });
  expect(await g.exit, g.stderr()).toBe(0);
  return { lines: textLines(Buffer.concat(chunks)), reads, ahead, spawnedAt, exitedAt: Date.now() };
}

const eventMs = (line: string): number => Date.parse(line.split(';')[0]!);

describe('rate control', () => {
  it.each([1000, 50_000])('--rate %i: 10 s of lines never run ahead of the rate, come spread out, stamped 10 s apart', async (rate) => {
    const r = await paced(rate, 10);
    expect(r.lines).toHaveLength(rate * 10 + 1);
    expect(r.ahead).toBeNull();
    expect(r.reads).toBeGreaterThan(100); // continuous, not a burst at the end
    // `ahead` bounds the run from below (~10 s). A rate far too slow shows in the stamps below (the span is the
    // pacer's schedule); how long the run took on the wall clock is speed, measured by the benches, not here.
    // Line n is stamped with the time the pacer scheduled it for, 1 / rate after line n - 1: the span is 10 s
    // exactly (to the millisecond the timestamps are parsed at), longer only by backlog skipped after a stall.
    const first = eventMs(r.lines[0]!);
    const last = eventMs(r.lines.at(-1)!);
    expect((last - first) / 1000).toBeGreaterThanOrEqual(9.99);
    expect((last - first) / 1000).toBeLessThan(13);
    // Live time, not simulated: within the run (1 s slack for gen's performance.now() to Date.now() mapping).
    expect(first).toBeGreaterThan(r.spawnedAt - 1000);
    expect(last).toBeLessThan(r.exitedAt + 1000);
  }, 30_000);
});
