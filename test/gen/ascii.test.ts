import { describe, expect, it } from 'vitest';

import { SecondPrefix, writeFraction, writeIpv4, writeUint } from '../../src/gen/ascii.js';
import { Rng } from '../../src/gen/rng.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const text = (f: (buf: Buffer) => number): string => {
  const buf = Buffer.alloc(64);
  return buf.toString('latin1', 0, f(buf));
};

describe('byte formatting of the generator', () => {
  it('second prefixes match Date for calendar edges and random seconds, 1970 to 9000', () => {
    const p = new SecondPrefix();
    const rng = new Rng(9);
    const edges = ['1970-01-01T00:00:00Z', '2000-02-29T23:59:59Z', '2024-12-31T23:59:59Z', '2100-03-01T00:00:00Z', '9000-12-31T23:59:59Z'];
    const seconds = [...edges.map((e) => Date.parse(e) / 1000)];
    for (let i = 0; i < 20_000; i++) seconds.push(Math.floor((rng.next() / 2 ** 32) * 221_000_000_000));
    for (const s of seconds) {
      p.set(s);
      const d = new Date(s * 1000);
      const iso = d.toISOString().slice(0, 19);
      const pad = (n: number) => String(n).padStart(2, '0');
      const clf = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${iso.slice(11)}`;
      expect(Buffer.from(p.iso).toString('latin1')).toBe(iso);
      expect(Buffer.from(p.clf).toString('latin1')).toBe(clf);
    }
  });

  it('integers, octets and fractions', () => {
    for (const n of [0, 7, 10, 99, 100, 101, 999, 1000, 65535, 1_000_000_000, 2 ** 53 - 1]) {
      expect(text((b) => writeUint(b, 0, n))).toBe(String(n));
    }
    expect(text((b) => writeIpv4(b, 0, 0))).toBe('0.0.0.0');
    expect(text((b) => writeIpv4(b, 0, 0xffffffff))).toBe('255.255.255.255');
    expect(text((b) => writeIpv4(b, 0, (208 << 24 | 173 << 16 | 67 << 8 | 38) >>> 0))).toBe('208.173.67.38');
    expect(text((b) => writeFraction(b, 0, 266_898))).toBe('.266898');
    expect(text((b) => writeFraction(b, 0, 1034))).toBe('.001034');
    expect(text((b) => writeFraction(b, 0, 1))).toBe('.000001');
    expect(text((b) => writeFraction(b, 0, 0))).toBe(''); // Python's isoformat() drops a zero fraction
  });
});
