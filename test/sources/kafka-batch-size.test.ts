// The count a Kafka consume call asks for follows the rate (issue 18): one at first and after a lull, so a lone
// message is handed over at once; doubling while calls fill within a few milliseconds, up to 10,000 for a backlog;
// cut back to what fills in that time when a steady stream fills them more slowly.
import { describe, expect, it } from 'vitest';

import { backlogAfter, ConsumeBatchSize, FILL_MS, MAX_BATCH } from '../../src/sources/kafka-batch-size.js';

describe('ConsumeBatchSize', () => {
  it('starts at one message, so the first one is handed over at once', () => {
    expect(new ConsumeBatchSize().next).toBe(1);
  });

  it('a backlog (calls filled at once) reaches the full batch within 14 calls and stays there', () => {
    const b = new ConsumeBatchSize();
    for (let i = 0; i < 14; i++) b.observe(b.next, b.next, 0.1);
    expect(b.next).toBe(MAX_BATCH);
    b.observe(MAX_BATCH, MAX_BATCH, 3);
    expect(b.next).toBe(MAX_BATCH);
  });

  it('a steady 1,000 messages/s settles where a call fills within a few milliseconds, never at 10,000', () => {
    const b = new ConsumeBatchSize();
    const sizes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const asked = b.next;
      b.observe(asked, asked, asked * 1); // one message a millisecond
      sizes.push(b.next);
    }
    expect(Math.max(...sizes.slice(10))).toBeLessThanOrEqual(2 * FILL_MS);
    expect(Math.min(...sizes.slice(10))).toBeGreaterThanOrEqual(FILL_MS / 2);
  });

  it('a call that ended waiting (fewer than asked) asks next for what came, at least one', () => {
    const b = new ConsumeBatchSize();
    for (let i = 0; i < 10; i++) b.observe(b.next, b.next, 0.1);
    b.observe(b.next, 3, 10);
    expect(b.next).toBe(3);
    b.observe(3, 0, 10);
    expect(b.next).toBe(1);
  });

  it('a backlog read on a busy thread (every full call slow) still reaches the full batch; caught up, it comes back down', () => {
    const b = new ConsumeBatchSize();
    // Each full call took ~50 ms; the broker holds 100,000 more.
    for (let i = 0; i < 14; i++) b.observe(b.next, b.next, 50, 100_000);
    expect(b.next).toBe(MAX_BATCH);
    // Caught up: nothing left behind, the same slow calls shrink it to what fills in FILL_MS.
    b.observe(MAX_BATCH, MAX_BATCH, 50, 0);
    expect(b.next).toBe(Math.floor((MAX_BATCH * FILL_MS) / 50));
  });

  it('a steady stream, with what arrived since the last fetch on the broker, is not a backlog: a slow full call is cut back', () => {
    const b = new ConsumeBatchSize();
    for (let i = 0; i < 10; i++) b.observe(b.next, b.next, 0.1);
    const asked = b.next;
    b.observe(asked, asked, 20, MAX_BATCH - 1);
    expect(b.next).toBe(Math.floor((asked * FILL_MS) / 20));
  });
});

describe('backlogAfter', () => {
  it('sums, per partition in the batch, the high watermark minus the offset after its last message', () => {
    const high = new Map([[0, 1_000], [1, 50], [2, 7]]);
    const batch = [{ partition: 0, offset: 10 }, { partition: 1, offset: 49 }, { partition: 0, offset: 11 }];
    expect(backlogAfter(batch, (p) => high.get(p)!)).toBe(1_000 - 12 + 0);
  });

  it('a partition whose watermark is unknown (-1) counts nothing', () => {
    expect(backlogAfter([{ partition: 3, offset: 5 }], () => -1)).toBe(0);
  });
});

