// Comparing a run's window rows (metrics/) with the reference's: every field equal, but the HyperLogLog estimates,
// which must be within 2 % of the exact count (SPEC §3: ≤ 1 % typical error; 1 at small counts).
import { expect } from 'vitest';

const UNIQUE_FIELDS = ['unique_ips', 'error_unique_ips'];

/** Rows equal the reference's, in the same order, field by field. */
export function expectRows(got: Record<string, unknown>[], want: Record<string, unknown>[]): void {
  expect(got.length, 'number of rows').toBe(want.length);
  got.forEach((row, i) => {
    for (const [key, value] of Object.entries(want[i]!)) {
      if (UNIQUE_FIELDS.includes(key)) {
        const exact = value as number;
        expect(Math.abs((row[key] as number) - exact), `${key} of row ${i}: ${JSON.stringify(want[i])}`).toBeLessThanOrEqual(Math.max(1, exact * 0.02));
      } else {
        expect(row[key], `${key} of row ${i}`).toEqual(value);
      }
    }
    expect(Object.keys(row).sort(), `fields of row ${i}`).toEqual(Object.keys(want[i]!).sort());
  });
}
