// The count a Kafka consume call asks for follows the rate (issue 18): one at first and after a lull, so a lone
// message is handed over at once; doubling while calls fill within a few milliseconds, up to 10,000 for a backlog;
// cut back to what fills in that time when a steady stream fills them more slowly.
import { describe, expect, it } from 'vitest';

import { ConsumeBatchSize, FILL_MS, MAX_BATCH } from '../../src/sources/kafka-batch-size.js';

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
});
