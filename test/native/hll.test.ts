// The exported Hll (bench/micro.ts, tools) counts as the shards do: the same parsing of addresses, exact up to
// 2,048 distinct values, merges equal to one sketch fed everything.
import { describe, expect, it } from 'vitest';

import { Hll, Shard, WindowMerger } from '../../src/native.js';

const ips = (from: number, to: number) => Buffer.from(Array.from({ length: to - from }, (_, i) => `10.${((from + i) >> 16) & 255}.${((from + i) >> 8) & 255}.${(from + i) & 255}\n`).join(''));

describe('Hll', () => {
  it('parses addresses as the ip field: spellings of one address count once, invalid lines are skipped', () => {
    const h = new Hll();
    expect(h.addIps(Buffer.from('1.2.3.4\n::1\n0::1\r\nnot-an-ip\n\n256.1.1.1\n1.2.3.4'))).toBe(4);
    expect(h.estimate).toBe(2);
    expect(h.isSparse).toBe(true);
  });

  it('is exact up to 2,048 distinct values, then estimates within 2 %', () => {
    const h = new Hll();
    h.addIps(ips(0, 2048));
    expect([h.estimate, h.isSparse]).toEqual([2048, true]);
    h.addIps(ips(2048, 100_000));
    expect(h.isSparse).toBe(false);
    expect(Math.abs(h.estimate / 100_000 - 1)).toBeLessThan(0.02);
  });

  it('merge is the union, and equals one sketch fed both inputs', () => {
    const a = new Hll();
    a.addIps(ips(0, 60_000));
    const b = new Hll();
    b.addIps(ips(40_000, 100_000));
    const both = new Hll();
    both.addIps(ips(0, 100_000));
    const bAlone = new Hll();
    bAlone.addIps(ips(40_000, 100_000));
    a.merge(b);
    expect(a.estimate).toBe(both.estimate);
    expect(Math.abs(a.estimate / 100_000 - 1)).toBeLessThan(0.02);
    // The merged-in sketch is left as it was: 60,000 distinct values, estimated within 2 %.
    expect(b.estimate).toBe(bAlone.estimate);
    expect(Math.abs(b.estimate / 60_000 - 1)).toBeLessThan(0.02);
  });

  it("gives the daemon's unique_ips for the same addresses", () => {
    // 3,000 distinct addresses over 6,000 requests: past the exact phase, and below the cap at the request count.
    const ip = (i: number) => `10.0.${((i % 3000) >> 8) & 255}.${(i % 3000) & 255}`;
    const lines = Array.from({ length: 6000 }, (_, i) => `{"timestamp": "2025-06-09T09:42:40Z", "ip": "${ip(i)}", "method": "GET", "url": "/", "status": 200}`);
    const shard = new Shard({ format: 'json' });
    const merger = new WindowMerger();
    merger.add(shard.process('s', Buffer.from(`${lines.join('\n')}\n`), 1_749_462_160_000_000).partials);
    merger.add(shard.flush(1_749_462_160_000_000).partials);
    const [w] = merger.drain(null).windows;
    const h = new Hll();
    h.addIps(Buffer.from(lines.map((l) => (JSON.parse(l) as { ip: string }).ip).join('\n')));
    expect(w?.uniqueIps).toBe(h.estimate);
  });
});
