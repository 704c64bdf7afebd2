import { describe, expect, it } from 'vitest';
import { AGE_FORMS, formatAge, parseAge } from '../../src/config/age.js';
import { BYTE_SIZE_FORMS, formatByteSize, parseByteSize } from '../../src/config/byte-size.js';
import { configFrom, type ConfigResult } from '../../src/config/load.js';

const DAY = 86_400_000;

function problemsOf(r: ConfigResult): Record<string, string> {
  if (r.ok) throw new Error('expected problems, the config was accepted');
  return Object.fromEntries(r.problems.map((p) => [p.path, p.message]));
}

describe('retention values', () => {
  it('parses ages in ms, s, m, h, d and w, beyond the 24.8 days of timers', () => {
    expect(parseAge('7d')).toEqual({ ok: true, ms: 7 * DAY });
    expect(parseAge('2w')).toEqual({ ok: true, ms: 14 * DAY });
    expect(parseAge('365d')).toEqual({ ok: true, ms: 365 * DAY });
    expect(parseAge('1.5h')).toEqual({ ok: true, ms: 5_400_000 });
    expect(parseAge(0)).toEqual({ ok: true, ms: 0 });
    for (const bad of ['7 days', '-1d', '1y', '', 'd', -5, 1.5]) expect(parseAge(bad), String(bad)).toEqual({ ok: false, message: `must be an age: ${AGE_FORMS}` });
    expect([formatAge(7 * DAY), formatAge(14 * DAY), formatAge(36 * 3_600_000), formatAge(1500)]).toEqual(['7d', '14d', '36h', '1500ms']);
  });

  it('parses byte sizes with decimal and binary units', () => {
    expect(parseByteSize('10GiB')).toEqual({ ok: true, bytes: 10 * 2 ** 30 });
    expect(parseByteSize('500MB')).toEqual({ ok: true, bytes: 500_000_000 });
    expect(parseByteSize('1.5kB')).toEqual({ ok: true, bytes: 1500 });
    expect(parseByteSize('4096')).toEqual({ ok: true, bytes: 4096 });
    expect(parseByteSize(0)).toEqual({ ok: true, bytes: 0 });
    for (const bad of ['10 gigs', '-1MB', 'MB', '', -1, 0.5]) expect(parseByteSize(bad), String(bad)).toEqual({ ok: false, message: `must be a byte size: ${BYTE_SIZE_FORMS}` });
    expect([formatByteSize(10 * 2 ** 30), formatByteSize(500_000_000), formatByteSize(100e9), formatByteSize(123)]).toEqual(['10GiB', '500MB', '100GB', '123B']);
  });
});

describe('output.retention and archive.retention', () => {
  it('defaults to 7 days per output kind and 30 days of archive, without a size limit', () => {
    const r = configFrom({}, { env: {} });
    if (!r.ok) throw new Error('default config refused');
    expect(r.config.output.retention.errors).toEqual({ maxAgeMs: 7 * DAY, maxSize: 0 });
    expect(r.config.output.retention.partials).toEqual({ maxAgeMs: 7 * DAY, maxSize: 0 });
    expect(r.config.archive.retention).toEqual({ maxAgeMs: 30 * DAY, maxSize: 0 });
  });

  it('gives each kind its override, key by key, and the section defaults otherwise', () => {
    const r = configFrom(
      { output: { retention: { maxAge: '3d', maxSize: '1GiB', errors: { maxSize: '200MB' }, alerts: { maxAge: 0, maxSize: 0 } } }, archive: { retention: { maxSize: 5_000_000 } } },
      { env: {} },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.config.output.retention).toEqual({
      errors: { maxAgeMs: 3 * DAY, maxSize: 200_000_000 },
      metrics: { maxAgeMs: 3 * DAY, maxSize: 2 ** 30 },
      rejected: { maxAgeMs: 3 * DAY, maxSize: 2 ** 30 },
      alerts: { maxAgeMs: 0, maxSize: 0 },
      partials: { maxAgeMs: 3 * DAY, maxSize: 2 ** 30 },
    });
    expect(r.config.archive.retention).toEqual({ maxAgeMs: 30 * DAY, maxSize: 5_000_000 });
  });

  it('refuses bad values naming the key, never quoting the value', () => {
    const r = configFrom(
      { output: { retention: { maxAge: '7 days', errors: { maxSize: '-3GB' }, metric: {} } }, archive: { retention: { maxAge: true, maxSize: 'lots' } } },
      { env: {} },
    );
    const p = problemsOf(r);
    expect(p['output.retention.maxAge']).toBe(`must be an age: ${AGE_FORMS}`);
    expect(p['output.retention.errors.maxSize']).toBe(`must be a byte size: ${BYTE_SIZE_FORMS}`);
    expect(p['output.retention.metric']).toBe('unknown key (did you mean "metrics"?)');
    expect(p['archive.retention.maxAge']).toBe(`must be an age: ${AGE_FORMS}`);
    expect(p['archive.retention.maxSize']).toBe(`must be a byte size: ${BYTE_SIZE_FORMS}`);
  });
});
