import { describe, expect, it } from 'vitest';
import { DURATION_FORMS, durationMs, formatDuration, parseDuration } from '../../src/config/duration.js';
import { LogpulseError } from '../../src/errors.js';

describe('durations', () => {
  it('accepts ms, s, m, h, decimals and plain milliseconds', () => {
    const cases: Array<[string | number, number]> = [
      ['500ms', 500],
      ['10s', 10_000],
      ['5m', 300_000],
      ['1h', 3_600_000],
      ['1.5s', 1_500],
      ['0.1s', 100],
      ['0s', 0],
      [2_500, 2_500],
      [0, 0],
    ];
    for (const [input, ms] of cases) expect(parseDuration(input), String(input)).toEqual({ ok: true, ms });
  });

  it('rejects other forms with a message that states the accepted ones', () => {
    for (const input of ['10 seconds', '10 s', '10', '1m30s', '-5s', '10S', 's', '', '1d', -1, 1.5]) {
      expect(parseDuration(input), String(input)).toEqual({ ok: false, message: `must be a duration: ${DURATION_FORMS}` });
    }
  });

  it('rejects fractions of a millisecond and what a Node timer cannot wait', () => {
    expect(parseDuration('0.5ms')).toEqual({ ok: false, message: 'must be a whole number of milliseconds' });
    expect(parseDuration('596h')).toEqual({ ok: true, ms: 596 * 3_600_000 });
    expect(parseDuration(2_147_483_647)).toEqual({ ok: true, ms: 2_147_483_647 });
    expect(parseDuration('597h')).toEqual({
      ok: false,
      message: 'must be at most 2147483647ms (about 24.8 days, the limit of Node timers)',
    });
  });

  it('durationMs throws a coded error that quotes the input', () => {
    expect(durationMs('30s')).toBe(30_000);
    expect(() => durationMs('10 seconds')).toThrowError(LogpulseError);
    expect(() => durationMs('10 seconds')).toThrowError(/^LP_ERR_DURATION: invalid duration "10 seconds": must be a duration/);
  });

  it('formats milliseconds back to the shortest exact text', () => {
    expect([30_000, 300_000, 3_600_000, 1_500, 90_000, 0].map(formatDuration)).toEqual(['30s', '5m', '1h', '1500ms', '90s', '0ms']);
  });
});
