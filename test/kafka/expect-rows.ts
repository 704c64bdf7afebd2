// What the Kafka tests compare a run with: the pure-TS reference's rows over the same lines, put in event-time
// order, with every window closed by a far-future line per partition.
import { expect } from 'vitest';

import { lines } from '../e2e/helpers.js';
import { produceTo } from '../support/kafka.js';
import { ReferenceShard, windowsToOutput } from '../support/reference-shard.js';

const UNIQUE_FIELDS = ['unique_ips', 'error_unique_ips'];

/** Rows equal the reference's; HyperLogLog estimates within 2 % of the exact count. */
export function expectRows(got: Record<string, unknown>[], want: Record<string, unknown>[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => {
    for (const [key, value] of Object.entries(want[i]!)) {
      if (UNIQUE_FIELDS.includes(key)) expect(Math.abs((row[key] as number) - (value as number))).toBeLessThanOrEqual(Math.max(1, (value as number) * 0.02));
      else expect(row[key], `${key} of row ${i}`).toEqual(value);
    }
  });
}

export function referenceRows(data: Buffer): Record<string, unknown>[] {
  const ref = new ReferenceShard({ format: 'auto' });
  const now = Date.now() * 1000;
  const closed = [...ref.process('all', data, now).closed, ...ref.flush(now).closed];
  return lines(windowsToOutput(closed, 100).rows.toString()).map((l) => JSON.parse(l));
}

/** Lines sorted by event time: one ordered stream with the same windows as the partitions together. */
export function inEventTimeOrder(values: string[]): Buffer {
  const keyed = values.map((v) => ({ v, t: Date.parse((JSON.parse(v) as { timestamp: string }).timestamp) }));
  keyed.sort((a, b) => a.t - b.t);
  return Buffer.from(keyed.map((k) => `${k.v}\n`).join(''));
}

/** One far-future line per partition: the watermarks pass every window of the data, so all of them close. */
export async function closeAllWindows(brokers: string, topic: string, partitions: number): Promise<void> {
  const future = new Date(Date.now() + 120_000).toISOString().replace(/Z$/, '000Z');
  for (let p = 0; p < partitions; p++) {
    await produceTo(brokers, topic, p, [`{"timestamp": "${future}", "ip": "10.9.9.${p}", "method": "GET", "url": "/closer", "status": 200}`]);
  }
}
