// --rate holds over time (±5 % over 10 s, measured where a reader sees the lines), and live timestamps follow
// the wall clock at that rate. Each case takes ~10 s of real time by nature.
import { describe, expect, it } from 'vitest';

import { spawnGen, textLines } from './helpers.js';

async function paced(rate: number, seconds: number): Promise<{ spanS: number; eventSpanS: number; reads: number; lines: string[] }> {
  const count = rate * seconds + 1; // line 0 comes at once, line N at N / rate seconds
  const g = spawnGen(['--rate', String(rate), '--count', String(count), '--format', 'csv'], { captureStdout: false });
  let first = 0;
  let last = 0;
  let reads = 0;
  const chunks: Buffer[] = [];
  g.child.stdout!.on('data', (d: Buffer) => {
    const now = performance.now();
    if (first === 0) first = now;
    last = now;
    reads++;
    chunks.push(d);
  });
  expect(await g.exit).toBe(0);
  const lines = textLines(Buffer.concat(chunks));
  const eventSpanS = (Date.parse(lines.at(-1)!.split(';')[0]!) - Date.parse(lines[0]!.split(';')[0]!)) / 1000;
  return { spanS: (last - first) / 1000, eventSpanS, reads, lines };
}

describe('rate control', () => {
  it.each([1000, 50_000])('--rate %i: 10 s of lines take 10 s (±5 %), spread out, stamped 10 s apart', async (rate) => {
    const r = await paced(rate, 10);
    expect(r.lines).toHaveLength(rate * 10 + 1);
    expect(r.spanS).toBeGreaterThan(9.5);
    expect(r.spanS).toBeLessThan(10.5);
    expect(r.eventSpanS).toBeGreaterThan(9.5);
    expect(r.eventSpanS).toBeLessThan(10.5);
    expect(r.reads).toBeGreaterThan(100); // continuous, not a burst at the end
  }, 30_000);
});
