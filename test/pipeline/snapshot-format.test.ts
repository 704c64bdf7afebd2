// A native shard snapshot read without decoding it, and re-sharded (src/pipeline/snapshot-format.ts): on real
// snapshots with many streams, partial and overlong last lines, dense HyperLogLog sketches and per-URL/IP counts,
// its streams moved to two new shards and its open windows to a merger give what the shard itself would have given.
import { describe, expect, it } from 'vitest';

import { Shard, WindowMerger } from '../../src/native.js';
import { readSnapshot, writeSnapshot } from '../../src/pipeline/snapshot-format.js';

const T0 = 1_749_462_150_000_000;
const NOW = T0 + 3_600_000_000;
const OPTIONS = { format: 'json', windowMs: 30_000, maxLineBytes: 300, trackUrlCounts: true, trackIpCounts: true } as const;
const STREAMS = 20;

/** Stream `s`'s lines: stream 0's from 5,000 distinct IPs within one window (a dense sketch), the others' from a few. */
function streamText(s: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < (s === 0 ? 5_000 : 3_000); i++) {
    const ip = s === 0 ? `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` : `10.9.${s}.${i % 7}`;
    out.push(`{"timestamp":${Math.floor((T0 + i * (s === 0 ? 3_000 : 30_000) + s) / 1000)},"ip":"${ip}","method":"GET","url":"/u/${i % 11}","status":${i % 6 === 0 ? 503 : 200}}`);
  }
  // Stream 19 ends in a line far over maxLineBytes (overflowing when the snapshot is taken).
  if (s === 19) out.push(`{"timestamp":${Math.floor(T0 / 1000)},"url":"${'x'.repeat(2_000)}","status":200}`);
  return Buffer.from(`${out.join('\n')}\n`);
}

const texts = Array.from({ length: STREAMS }, (_, s) => streamText(s));
/** Where each stream is cut: mid-line, and inside the overlong line for stream 19. */
const cutAt = (s: number) => (s === 19 ? texts[s]!.length - 700 : Math.floor(texts[s]!.length * 0.6) + s);

function rows(merger: WindowMerger): string[] {
  return merger.drain(null).rows.toString().split('\n').filter(Boolean).sort();
}

describe('shard snapshot outline', () => {
  it('re-shards a real snapshot into two shards and a merger that give what the shard gives', () => {
    const whole = new Shard(OPTIONS);
    for (let s = 0; s < STREAMS; s++) whole.process(`s${s}`, texts[s]!.subarray(0, cutAt(s)), NOW);
    const snapshot = whole.snapshot();
    const outline = readSnapshot(snapshot);
    expect(outline.streams.map((x) => x.name)).toEqual(Array.from({ length: STREAMS }, (_, s) => `s${s}`));
    expect(outline.streams.every((x) => x.lastDataUs === NOW)).toBe(true);
    expect(outline.partials).not.toBeNull();
    expect(snapshot.includes('Dense')).toBe(true);

    // The original goes on.
    const expected = new WindowMerger({ maxUrlsPerWindow: 5, urlErrorRate: { threshold: 0.1, minRequests: 3 }, ipErrorRate: { threshold: 0.1, minRequests: 3 } });
    const errors: string[] = [];
    for (let s = 0; s < STREAMS; s++) {
      const r = whole.process(`s${s}`, texts[s]!.subarray(cutAt(s)), NOW);
      expected.add(r.partials);
      errors.push(r.errors.toString());
    }
    expected.add(whole.flush(NOW).partials);

    // Even streams to one new shard, odd ones to another, the open windows to a merger.
    const got = new WindowMerger({ maxUrlsPerWindow: 5, urlErrorRate: { threshold: 0.1, minRequests: 3 }, ipErrorRate: { threshold: 0.1, minRequests: 3 } });
    expect(got.add(outline.partials!)).toBeGreaterThan(0);
    const shards = [0, 1].map((k) => {
      const shard = new Shard(OPTIONS);
      shard.restore(writeSnapshot(outline.streams.filter((_, s) => s % 2 === k), outline.closedThroughUs));
      return shard;
    });
    const gotErrors: string[] = [];
    for (let s = 0; s < STREAMS; s++) {
      const r = shards[s % 2]!.process(`s${s}`, texts[s]!.subarray(cutAt(s)), NOW);
      got.add(r.partials);
      gotErrors.push(r.errors.toString());
    }
    for (const shard of shards) got.add(shard.flush(NOW).partials);
    expect(gotErrors).toEqual(errors);
    expect(rows(got)).toEqual(rows(expected));
  });

  it('writes the closed point and no stream as the native core reads them', () => {
    const shard = new Shard(OPTIONS);
    shard.restore(writeSnapshot([], T0));
    const outline = readSnapshot(shard.snapshot());
    expect(outline).toEqual({ streams: [], partials: null, closedThroughUs: T0 });
    expect(readSnapshot(writeSnapshot([], null)).closedThroughUs).toBeNull();
    expect(() => readSnapshot(Buffer.from('LPS2'))).toThrow('bad magic');
  });
});
