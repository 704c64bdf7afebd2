// What the lines look like and how they are distributed: genlogs_v2.py's shapes and weights, the seed
// assignment's error profile, and determinism from a seed.
import { describe, expect, it } from 'vitest';

import { LineWriter } from '../../src/gen/line-writer.js';
import { TrafficProfile } from '../../src/gen/profile.js';
import { Rng } from '../../src/gen/rng.js';
import { lineOptions, makeLines, START_US, textLines } from './helpers.js';

interface Rec {
  timestamp: string;
  ip: string;
  method: string;
  url: string;
  status: number;
}
const records = (data: Buffer): Rec[] => textLines(data).map((l) => JSON.parse(l) as Rec);
const ipNumber = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** Error share per key among keys with at least `min` requests. */
function errorRates(recs: Rec[], key: (r: Rec) => string): Map<string, { n: number; rate: number }> {
  const acc = new Map<string, { n: number; e: number }>();
  for (const r of recs) {
    const a = acc.get(key(r)) ?? { n: 0, e: 0 };
    a.n++;
    if (r.status >= 400) a.e++;
    acc.set(key(r), a);
  }
  return new Map([...acc].map(([k, a]) => [k, { n: a.n, rate: a.e / a.n }]));
}

describe('line shapes', () => {
  it("json: Python json.dumps spacing and key order, isoformat()+Z timestamps (no fraction at µs 0)", () => {
    const { data } = makeLines({}, 3, { stepUs: 266_898 });
    const lines = textLines(data);
    expect(lines[0]).toMatch(/^\{"timestamp": "2025-06-09T09:42:40Z", "ip": "\d+\.\d+\.\d+\.\d+", "method": "(GET|POST|PUT|DELETE)", "url": "\/resource\/\d+", "status": (200|404|500)\}$/);
    expect(lines[1]).toMatch(/^\{"timestamp": "2025-06-09T09:42:40\.266898Z", "ip": /);
    expect(lines[2]).toMatch(/^\{"timestamp": "2025-06-09T09:42:40\.533796Z", "ip": /);
  });

  it('compact json, csv and both clf variants', () => {
    expect(textLines(makeLines({ compact: true }, 1).data)[0]).toMatch(
      /^\{"timestamp":"2025-06-09T09:42:40Z","ip":"[\d.]+","method":"[A-Z]+","url":"\/resource\/\d+","status":\d{3}\}$/,
    );
    for (const l of textLines(makeLines({ format: 'csv' }, 200, { stepUs: 1001 }).data)) {
      expect(l).toMatch(/^2025-06-09T09:4\d:\d\d(\.\d{6})?Z;\d+\.\d+\.\d+\.\d+;(GET|POST|PUT|DELETE);\/resource\/([1-9]|10);(200|404|500)$/);
    }
    const common = textLines(makeLines({ format: 'clf' }, 500).data);
    for (const l of common) {
      expect(l).toMatch(/^\d+\.\d+\.\d+\.\d+ - - \[09\/Jun\/2025:09:42:40 \+0000\] "(GET|POST|PUT|DELETE) \/resource\/\d+ HTTP\/1\.1" (200 \d+|404 -|500 -)$/);
    }
    for (const l of textLines(makeLines({ format: 'clf', clfVariant: 'single' }, 50).data)) {
      expect(l).toMatch(/^\d+\.\d+\.\d+\.\d+ - \[09\/Jun\/2025:09:42:40 \+0000\] "[A-Z]+ \/resource\/\d+ HTTP\/1\.1" \d{3} (\d+|-)$/);
    }
    const mixed = textLines(makeLines({ format: 'clf', clfVariant: 'mixed' }, 1000).data);
    const singles = mixed.filter((l) => /^\S+ - \[/.test(l)).length;
    expect(singles).toBeGreaterThan(400);
    expect(singles).toBeLessThan(600);
  });

  it('uses only the given methods, and IPs cover all four octets 0..255', () => {
    const recs = records(makeLines({ methods: ['PATCH', 'HEAD'] }, 20_000).data);
    expect(new Set(recs.map((r) => r.method))).toEqual(new Set(['PATCH', 'HEAD']));
    const octets = recs.flatMap((r) => r.ip.split('.').map(Number));
    expect(Math.min(...octets)).toBe(0);
    expect(Math.max(...octets)).toBe(255);
  });
});

describe('distributions over 100k lines', () => {
  it('status weights 90/5/5 by default and as --status-dist says', () => {
    const share = (recs: Rec[], s: number) => recs.filter((r) => r.status === s).length / recs.length;
    const def = records(makeLines({}, 100_000).data);
    expect(share(def, 200)).toBeCloseTo(0.9, 2);
    expect(share(def, 404)).toBeCloseTo(0.05, 2);
    expect(share(def, 500)).toBeCloseTo(0.05, 2);
    const custom = records(makeLines({ statusDist: [0, 1, 3], seed: 2 }, 100_000).data);
    expect(share(custom, 200)).toBe(0);
    expect(share(custom, 404)).toBeCloseTo(0.25, 2);
    expect(share(custom, 500)).toBeCloseTo(0.75, 2);
    expect(records(makeLines({ statusDist: [0, 0, 100] }, 1000).data).every((r) => r.status === 500)).toBe(true);
  });

  it('URLs spread evenly over /resource/1../resource/N', () => {
    const recs = records(makeLines({ urls: 50, seed: 3 }, 100_000).data);
    const counts = new Map<string, number>();
    for (const r of recs) counts.set(r.url, (counts.get(r.url) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `/resource/${i + 1}`).sort());
    for (const c of counts.values()) {
      expect(c).toBeGreaterThan(2000 * 0.9); // 2,000 expected each; sd ≈ 44
      expect(c).toBeLessThan(2000 * 1.1);
    }
    const methods = new Map<string, number>();
    for (const r of recs) methods.set(r.method, (methods.get(r.method) ?? 0) + 1);
    for (const c of methods.values()) expect(Math.abs(c - 25_000)).toBeLessThan(1000);
  });
});

describe('error profile (--error-user-percent, --error-rate, --error-url-percent)', () => {
  it('with a user pool: exactly P % of the IPs fail at about R %, the others never (clean base traffic)', () => {
    const recs = records(makeLines({ users: 200, errorUserPercent: 10, errorRate: 50, statusDist: [100, 0, 0] }, 100_000).data);
    const byIp = errorRates(recs, (r) => r.ip);
    expect(byIp.size).toBe(200);
    const failing = [...byIp.values()].filter((v) => v.rate > 0);
    expect(failing).toHaveLength(20);
    for (const v of failing) {
      expect(v.rate).toBeGreaterThan(0.35); // ~500 requests each at 50 %: sd ≈ 2.2 %
      expect(v.rate).toBeLessThan(0.65);
    }
  });

  it('error URLs are the first P % of the URLs and fail at about R %; the rest follow --status-dist', () => {
    const recs = records(makeLines({ urls: 50, errorUrlPercent: 20, errorRate: 80, seed: 5 }, 100_000).data);
    const byUrl = errorRates(recs, (r) => r.url);
    for (const [url, v] of byUrl) {
      const n = Number(url.slice('/resource/'.length));
      if (n <= 10) expect(Math.abs(v.rate - 0.8)).toBeLessThan(0.05);
      else expect(Math.abs(v.rate - 0.1)).toBeLessThan(0.04); // 90/5/5
    }
    // Failures keep --status-dist's 404:500 ratio (5:5).
    const errs = recs.filter((r) => Number(r.url.slice(10)) <= 10 && r.status >= 400);
    expect(errs.filter((r) => r.status === 404).length / errs.length).toBeCloseTo(0.5, 1);
  });

  it('without a pool (an IP per line): error users are a stable P % share of IPs, failing at R %', () => {
    const o = lineOptions({ errorUserPercent: 25, errorRate: 60, statusDist: [100, 0, 0], seed: 11 });
    const recs = records(makeLines(o, 100_000).data);
    const profile = new TrafficProfile(o, new Rng(o.seed)); // the same seed gives the same verdicts
    const fromErrorUsers = recs.filter((r) => profile.isErrorIp(ipNumber(r.ip)));
    expect(fromErrorUsers.length / recs.length).toBeCloseTo(0.25, 1);
    expect(fromErrorUsers.filter((r) => r.status >= 400).length / fromErrorUsers.length).toBeCloseTo(0.6, 1);
    expect(recs.filter((r) => !profile.isErrorIp(ipNumber(r.ip)) && r.status >= 400)).toHaveLength(0);
  });
});

describe('seed determinism', () => {
  it('same seed and options: byte-identical, whatever the block sizes; another seed: other lines', () => {
    const opts = { malformedFraction: 0.01, lateFraction: 0.01, users: 100, errorUserPercent: 10 };
    const a = makeLines(opts, 30_000).data;
    const b = makeLines(opts, 30_000, { blockBytes: 4096 }).data;
    expect(b.equals(a)).toBe(true);
    expect(makeLines({ ...opts, seed: 2 }, 30_000).data.equals(a)).toBe(false);
    expect(a.length).toBeGreaterThan(30_000 * 60);
  });

  it('the line counter runs across fill calls (event time of line i does not depend on blocks)', () => {
    const w = new LineWriter(lineOptions());
    const clock = { at: (i: number) => START_US + i * 1_000_000 };
    const buf = Buffer.alloc(200_000);
    w.fill(buf, 5, clock, 100_000);
    const n = w.fill(buf, 1, clock, 100_000);
    expect(buf.toString('latin1', 0, n)).toContain('"timestamp": "2025-06-09T09:42:45Z"');
    expect(w.lines).toBe(6);
  });
});
