// Byte sizes as the config takes them (`output.retention.maxSize`, `archive.retention.maxSize`) and as
// `logpulse validate` and the logs show them back: the edges StrykerJS found untested.
import { describe, expect, it } from 'vitest';

import { formatByteSize, parseByteSize } from '../../src/config/byte-size.js';

describe('parseByteSize', () => {
  it('takes a whole number of bytes as a number, and refuses a negative or fractional one', () => {
    expect(parseByteSize(4096)).toEqual({ ok: true, bytes: 4096 });
    expect(parseByteSize(0)).toEqual({ ok: true, bytes: 0 });
    expect(parseByteSize(-1).ok).toBe(false);
    expect(parseByteSize(1.5).ok).toBe(false);
  });

  it('ignores spaces around the text (a YAML value with a trailing space, an environment variable)', () => {
    expect(parseByteSize(' 500MB ')).toEqual({ ok: true, bytes: 500_000_000 });
    expect(parseByteSize('10 GiB')).toEqual({ ok: true, bytes: 10 * 2 ** 30 });
  });

  it('says a size past 2^53 bytes is too large, without repeating it', () => {
    expect(parseByteSize('99999TiB')).toEqual({ ok: false, message: 'is too large' });
  });
});

describe('formatByteSize', () => {
  it('shows the shortest exact text: a unit only when it divides the size', () => {
    expect(formatByteSize(1024)).toBe('1KiB');
    expect(formatByteSize(1000)).toBe('1kB');
    expect(formatByteSize(1536)).toBe('1536B');
    expect(formatByteSize(1_500_000)).toBe('1500kB');
    expect(formatByteSize(10 * 2 ** 30)).toBe('10GiB');
    expect(formatByteSize(0)).toBe('0B');
  });
});
