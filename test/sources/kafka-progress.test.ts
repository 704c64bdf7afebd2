// A bounded kafka:// read's progress (`endingOffsets=latest`): records handed over between each partition's start
// and its end offset, from the partitions' own bookkeeping (no broker needed to test the arithmetic).
import { describe, expect, it } from 'vitest';

import { KafkaPartitions } from '../../src/sources/kafka-partitions.js';

describe('KafkaPartitions.progress', () => {
  it('is null before any end offset is known (unbounded, or not assigned yet)', () => {
    const p = new KafkaPartitions('http-logs');
    p.positions.set(0, 10);
    expect(p.progress()).toBeNull();
  });

  it('sums, over partitions, the offsets handed over since the start, of those up to the end', () => {
    const p = new KafkaPartitions('http-logs');
    // Partition 0 resumes at 100 (a checkpoint) and ends at 400; partition 1 starts at 0 and ends at 50.
    for (const [partition, start, end] of [
      [0, 100, 400],
      [1, 0, 50],
    ] as const) {
      p.positions.set(partition, start);
      p.starts.set(partition, start);
      p.ends.set(partition, end);
    }
    expect(p.progress()).toEqual({ unit: 'records', done: 0, total: 350 });
    p.positions.set(0, 250);
    p.positions.set(1, 50);
    expect(p.progress()).toEqual({ unit: 'records', done: 200, total: 350 });
    // Never past the end (a position is the next offset; the end is the high watermark at assignment).
    p.positions.set(0, 900);
    expect(p.progress()).toEqual({ unit: 'records', done: 350, total: 350 });
  });
});
