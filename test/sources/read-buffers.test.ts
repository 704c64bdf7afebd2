// The read buffers a file source reuses (read-buffers.ts): a buffer comes back only when given, is never handed out
// twice, and the pool keeps no more than it was told; what is not one of its buffers (another size, memory moved
// away) it does not take.
import { describe, expect, it } from 'vitest';

import { ReadBuffers } from '../../src/sources/read-buffers.js';

describe('ReadBuffers', () => {
  it('hands out buffers of its size that own their whole ArrayBuffer, each a different one while out', () => {
    const pool = new ReadBuffers(4096, 4);
    const a = pool.take();
    const b = pool.take();
    for (const buf of [a, b]) {
      expect(buf.length).toBe(4096);
      expect(buf.byteOffset).toBe(0);
      expect(buf.buffer.byteLength).toBe(4096);
    }
    expect(a.buffer).not.toBe(b.buffer);
    expect([pool.made, pool.reused]).toEqual([2, 0]);
  });

  it('hands a buffer given back out again, with the bytes it held', () => {
    const pool = new ReadBuffers(4096, 4);
    const a = pool.take();
    a.fill(7);
    pool.give(a.buffer as ArrayBuffer);
    expect(pool.free).toBe(1);
    const again = pool.take();
    expect(again.buffer).toBe(a.buffer);
    expect(again[4095]).toBe(7);
    expect([pool.made, pool.reused, pool.free]).toEqual([1, 1, 0]);
  });

  it('never hands a buffer out twice, even when it is given back twice', () => {
    const pool = new ReadBuffers(4096, 4);
    const a = pool.take();
    pool.give(a.buffer as ArrayBuffer);
    pool.give(a.buffer as ArrayBuffer);
    expect(pool.free).toBe(1);
    const first = pool.take();
    const second = pool.take();
    expect(first.buffer).toBe(a.buffer);
    expect(second.buffer).not.toBe(a.buffer);
    expect([pool.made, pool.reused]).toEqual([2, 1]);
  });

  it('keeps at most `keep` free buffers; with 0 it makes a new one for every take', () => {
    const pool = new ReadBuffers(4096, 2);
    const out = [pool.take(), pool.take(), pool.take()];
    for (const b of out) pool.give(b.buffer as ArrayBuffer);
    expect(pool.free).toBe(2);

    const none = new ReadBuffers(4096, 0);
    const c = none.take();
    none.give(c.buffer as ArrayBuffer);
    expect(none.free).toBe(0);
    expect(none.take().buffer).not.toBe(c.buffer);
    expect(none.made).toBe(2);
  });

  it('does not take memory of another size, nor an ArrayBuffer whose memory was moved to another thread', () => {
    const pool = new ReadBuffers(4096, 4);
    pool.give(new ArrayBuffer(4095));
    pool.give(new ArrayBuffer(8192));
    const moved = pool.take();
    // structuredClone with a transfer list moves the memory, as postMessage to a worker does: the original is detached.
    const clone = structuredClone(moved.buffer as ArrayBuffer, { transfer: [moved.buffer as ArrayBuffer] });
    expect(clone.byteLength).toBe(4096);
    pool.give(moved.buffer as ArrayBuffer);
    expect(pool.free).toBe(0);
    // What comes back from the other side is a new ArrayBuffer over that memory: that one it takes.
    pool.give(clone);
    expect(pool.free).toBe(1);
    expect(pool.take().buffer).toBe(clone);
  });

  it('refuses sizes and counts that make no pool', () => {
    expect(() => new ReadBuffers(0, 1)).toThrow(RangeError);
    expect(() => new ReadBuffers(4096, -1)).toThrow(RangeError);
    expect(() => new ReadBuffers(4096, 1.5)).toThrow(RangeError);
  });
});
