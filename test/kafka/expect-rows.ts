// What the Kafka tests compare a run with: the pure-TS reference's rows over the same lines.
import { expect } from 'vitest';

import { lines } from '../e2e/helpers.js';
import { ReferenceShard, windowsToOutput } from '../reference/reference-shard.js';

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

