// Flag checking and defaults of `logpulse gen` (genlogs_v2.py's), and the pacing arithmetic on a fake clock.
import { describe, expect, it } from 'vitest';

import { parseOut, parseStart, resolveGenOptions } from '../../src/gen/options.js';
import { Pacer } from '../../src/gen/pacer.js';

const NOW_US = 1_764_000_000_000_000;

describe('gen options', () => {
  it("defaults are genlogs_v2.py's: 10 URLs, 1 line/s, json, GET POST PUT DELETE, 90/5/5; live time, stdout", () => {
    const o = resolveGenOptions({ seed: '1' }, NOW_US);
    expect(o).toEqual({
      format: 'json',
      compact: false,
      clfVariant: 'common',
      urls: 10,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      statusDist: [90, 5, 5],
      users: 0,
      errorUserPercent: 0,
      errorRate: 50,
      errorUrlPercent: 0,
      lateFraction: 0,
      lateBySeconds: 60,
      malformedFraction: 0,
      seed: 1,
      rate: 1,
      count: null,
      startUs: null,
      speed: 1,
      stepMs: 1,
      out: { kind: 'stdout' },
      stats: false,
    });
    expect(Number.isSafeInteger(resolveGenOptions({}, NOW_US).seed)).toBe(true);
  });

  it('simulated time starts at --start, or now when only --speed / --step ask for it', () => {
    expect(resolveGenOptions({ start: '2025-06-09T09:42:40.001034Z' }, NOW_US).startUs).toBe(Date.UTC(2025, 5, 9, 9, 42, 40) * 1000 + 1034);
    expect(resolveGenOptions({ speed: '10' }, NOW_US).startUs).toBe(NOW_US);
    expect(resolveGenOptions({ rate: '0', step: '0.5' }, NOW_US)).toMatchObject({ startUs: NOW_US, stepMs: 0.5 });
    expect(parseStart('2025-06-09')).toBe(Date.UTC(2025, 5, 9) * 1000);
    expect(parseStart('2025-06-09T11:42:40+02:00')).toBe(Date.UTC(2025, 5, 9, 9, 42, 40) * 1000);
    expect(() => parseStart('2025-02-30T00:00:00Z')).toThrow(/--start must be an ISO 8601 time/);
    expect(() => parseStart('2025-06-09T09:42:40')).toThrow(/with Z or an offset/);
    expect(() => parseStart('1969-12-31T23:59:59Z')).toThrow(/between the years 1970 and 9000/);
  });

  it('--out targets', () => {
    expect(parseOut('stdout')).toEqual({ kind: 'stdout' });
    expect(parseOut('tcp-listen://0.0.0.0:9999')).toEqual({ kind: 'tcp-listen', uri: 'tcp-listen://0.0.0.0:9999', host: '0.0.0.0', port: 9999 });
    expect(parseOut('tcp://[::1]:9999')).toMatchObject({ kind: 'tcp', host: '::1', port: 9999 });
    expect(() => parseOut('tcp://h:0')).toThrow(/LP_ERR_ARGS: --out: port must be an integer from 1 to 65535/);
    expect(parseOut('kafka://b:9092,c/t')).toEqual({ kind: 'kafka', uri: 'kafka://b:9092,c/t', brokers: ['b:9092', 'c:9092'], topic: 't' });
    expect(() => parseOut('kafka://b:9092/t?group=g')).toThrow(/kafka:\/\/ as an output takes no options/);
  });

  it('every bad value names its flag', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ count: '-1' }, /--count must be an integer >= 0/],
      [{ seed: '1.5' }, /--seed must be an integer >= 0/],
      [{ users: 'many' }, /--users must be an integer/],
      [{ errorUserPercent: '150' }, /--error-user-percent must be a percentage/],
      [{ errorUrlPercent: '-1' }, /--error-url-percent must be a percentage/],
      [{ lateBy: '0' }, /--late-by must be a number of seconds/],
      [{ malformedFraction: '2' }, /--malformed-fraction must be a fraction/],
      [{ clfVariant: 'single' }, /--clf-variant applies to --format clf only/],
      [{ format: 'clf', clfVariant: 'double' }, /--clf-variant must be one of common, single, mixed/],
      [{ methods: [] }, /--methods needs at least one method/],
      [{ speed: '0' }, /--speed must be a number > 0/],
    ];
    for (const [raw, message] of bad) expect(() => resolveGenOptions(raw, NOW_US), JSON.stringify(raw)).toThrow(message);
  });
});

describe('pacer', () => {
  it('the first line at once, then rate × elapsed; a resume owes nothing; a stall catches up at most 1 s', () => {
    const p = new Pacer(100);
    p.restart(0, 0);
    expect(p.due(0, 0)).toBe(1);
    expect(p.due(5, 1)).toBe(0);
    expect(p.msUntil(1, 5)).toBe(5);
    expect(p.due(100, 1)).toBe(10); // lines 1..10 due by 100 ms
    expect(p.scheduledMs(10)).toBe(100);
    p.restart(5000, 11); // resumed after a pause: no burst
    expect(p.due(5000, 11)).toBe(1);
    expect(p.due(60_000, 12)).toBe(100); // a 55 s stall: capped at 1 s of lines, the last one due now
    expect(p.scheduledMs(111)).toBe(60_000);
    expect(p.due(60_010, 112)).toBe(1);
  });
});
