// The words of a run's end and of the warning for a run whose lines are almost all rejected.
import { describe, expect, it } from 'vitest';

import { bytes, duration, mostlyRejected, MOSTLY_REJECTED_MIN_LINES, rejectedText, summaryLine } from '../../src/cli/run-summary.js';
import { newTotals, type PipelineTotals } from '../../src/pipeline/totals.js';

const totals = (o: Partial<PipelineTotals>): PipelineTotals => ({ ...newTotals(), ...o });

describe('mostlyRejected', () => {
  it('names the share of lines rejected for their shape and asks about `format`', () => {
    expect(mostlyRejected(totals({ lines: 1000, rejected: { malformed: 950, missingField: 10 } }))).toBe('960 of 1,000 lines rejected as malformed; is `format` right?');
  });

  it('stays quiet below 90 %, for other reasons (late, too long) and before enough lines were read', () => {
    expect(mostlyRejected(totals({ lines: 1000, rejected: { malformed: 899 } }))).toBeNull();
    expect(mostlyRejected(totals({ lines: 1000, rejected: { late: 1000, tooLong: 1000 } }))).toBeNull();
    expect(mostlyRejected(totals({ lines: MOSTLY_REJECTED_MIN_LINES - 1, rejected: { malformed: MOSTLY_REJECTED_MIN_LINES - 1 } }))).toBeNull();
    expect(mostlyRejected(totals({ lines: 3, rejected: { malformed: 3 } }), 1)).toBe('3 of 3 lines rejected as malformed; is `format` right?');
  });
});

describe('summary', () => {
  it('one line: lines, records, errors, rejected by reason, late, windows, alerts, elapsed, throughput', () => {
    const t = totals({ lines: 2_000_000, records: 1_999_000, errors: 200_000, late: 400, rejected: { malformed: 600, tooLong: 0, late: 400 }, windows: 12, alerts: 3 });
    expect(summaryLine(t, 4)).toBe('done: 2,000,000 lines, 1,999,000 records, 200,000 errors, 600 rejected (malformed 600), 400 late, 12 windows, 3 alerts in 4.0 s (500,000 lines/s)');
    const one = totals({ lines: 1, records: 1, errors: 1, windows: 1, alerts: 1 });
    expect(summaryLine(one, 1)).toBe('done: 1 line, 1 record, 1 error, 0 rejected, 0 late, 1 window, 1 alert in 1.0 s (1 lines/s)');
  });

  it('rejected reasons largest first; sizes and durations as people read them', () => {
    expect(rejectedText(totals({ rejected: { tooLong: 2, malformed: 10 } }))).toBe('12 rejected (malformed 10, tooLong 2)');
    expect([bytes(512), bytes(3_400_000), bytes(246_761_564)]).toEqual(['512 B', '3.4 MB', '247 MB']);
    expect([duration(4.21), duration(125), duration(7300)]).toEqual(['4.2 s', '2 min 5 s', '2 h 1 min']);
  });
});
