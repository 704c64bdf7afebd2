// SPEC §5's rate rules, as a user configures them: `global_error_rate`, `url_error_rate` and `ip_error_rate`
// (seed 001's three rates) next to `errors_per_status`, over two streams on two worker shards, so a URL's or an
// IP's requests are split across shards and only the merger sees the whole group. Every alert that should fire
// fires once, with its value and threshold, and none other: the expectation is a plain count of the lines this
// test wrote, window by window and group by group. Crafted groups sit on each rule's edges (exactly minRequests,
// one short of it, a rate exactly at the threshold).
import { describe, expect, it } from 'vitest';

import type { AlertRule } from '../../src/config/types.js';
import { Outputs } from '../../src/daemon/outputs.js';
import { ruleTracking } from '../../src/daemon/parts.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { RecordSink } from '../../src/sinks/sink.js';
import { Rng } from '../support/rng.js';

const T0 = 1_749_462_150_000_000; // a window start (30 s windows are aligned to the epoch)
const WINDOW_US = 30_000_000;
const NOW = T0 + 3_600_000_000;

const RULES: AlertRule[] = [
  { type: 'errors_per_status', threshold: 60 },
  { type: 'global_error_rate', threshold: 0.2, minRequests: 100 },
  { type: 'url_error_rate', threshold: 0.35, minRequests: 30 },
  { type: 'ip_error_rate', threshold: 0.6, minRequests: 10 },
];
const rule = (type: AlertRule['type']) => RULES.find((r) => r.type === type) as AlertRule & { minRequests: number };

class MemorySink implements RecordSink {
  chunks: Buffer[] = [];
  readonly pendingBytes = 0;
  write(lines: Buffer): void {
    this.chunks.push(Buffer.from(lines));
  }
  async rotate(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
  lines(): string[] {
    return Buffer.concat(this.chunks).toString().split('\n').filter(Boolean);
  }
}

interface Line {
  us: number;
  ip: string;
  url: string;
  status: number;
}

/** Eight windows of random traffic (error rate by window, a hot URL, a bad IP), then four of crafted edge cases. */
function traffic(): Line[] {
  const rng = new Rng(22);
  const base = [0.05, 0.3, 0.1, 0.4, 0.02, 0.25, 0.12, 0.5];
  const urls = ['/a', '/b', '/c', '/d', '/e', '/hot'];
  const out: Line[] = [];
  for (let k = 0; k < base.length; k++) {
    for (let i = 0; i < 600; i++) {
      const url = rng.pick(urls);
      const ip = `10.0.0.${rng.int(1, 40)}`;
      const p = ip === '10.0.0.1' ? 0.8 : url === '/hot' ? Math.min(1, base[k]! * 3) : base[k]!;
      const status = rng.chance(p) ? rng.pick([500, 404, 503]) : 200;
      out.push({ us: T0 + k * WINDOW_US + i * 50_000, ip, url, status });
    }
  }
  const times = (n: number, status: number) => Array<number>(n).fill(status);
  // Window 8: 30 requests in all (under global's minRequests), all on /edge (exactly url's minRequests).
  const edge = T0 + 8 * WINDOW_US;
  let j = 0;
  const add = (ip: string, statuses: number[]) => statuses.forEach((status) => out.push({ us: edge + 1000 * j++, ip, url: '/edge', status }));
  add('10.9.9.9', times(10, 500)); // exactly minRequests, all errors: fires
  add('10.9.9.8', times(9, 500)); // one request short: does not fire
  add('10.9.9.7', [...times(6, 500), ...times(4, 200)]); // 60 %: not over 60 %
  add('10.9.9.6', [200]);
  // Windows 9 to 11 on the global and per-status edges (every line its own IP: no IP group reaches minRequests).
  const crafted = (k: number, statuses: number[]) => statuses.forEach((status, i) => out.push({ us: T0 + k * WINDOW_US + i * 1000, ip: `10.8.${k}.${i}`, url: '/w', status }));
  crafted(9, [...times(20, 500), ...times(80, 200)]); // exactly minRequests at exactly 20 %: no global alert
  crafted(10, [...times(61, 500), ...times(39, 200)]); // exactly minRequests, 61 %: global fires; 61 > 60 errors of 500
  crafted(11, [...times(60, 404), ...times(60, 200)]); // 60 errors of 404: not over 60
  return out;
}

const isoMs = (us: number) => new Date(us / 1000).toISOString();

/** The alerts SPEC §5 asks for, counted from the lines (errors_per_status by key only: an early alert's value is the
 *  running count when it crossed, which depends on how the chunks fell). */
function expectedAlerts(lines: Line[]): { byStatus: string[]; rates: Record<string, unknown>[] } {
  const windows = new Map<number, Line[]>();
  for (const l of lines) {
    const start = Math.floor(l.us / WINDOW_US) * WINDOW_US;
    windows.set(start, [...(windows.get(start) ?? []), l]);
  }
  const byStatus: string[] = [];
  const rates: Record<string, unknown>[] = [];
  for (const [start, ls] of [...windows].sort((a, b) => a[0] - b[0])) {
    const ws = isoMs(start);
    const we = isoMs(start + WINDOW_US);
    const statusCounts = new Map<number, number>();
    for (const l of ls) if (l.status >= 400) statusCounts.set(l.status, (statusCounts.get(l.status) ?? 0) + 1);
    for (const [status, n] of statusCounts) if (n > 60) byStatus.push(`${ws}|${status}`);
    const groups: [AlertRule['type'], (l: Line) => string][] = [
      ['global_error_rate', () => 'all'],
      ['url_error_rate', (l) => l.url],
      ['ip_error_rate', (l) => l.ip],
    ];
    for (const [type, groupOf] of groups) {
      const r = rule(type);
      const counts = new Map<string, { requests: number; errors: number }>();
      for (const l of ls) {
        const c = counts.get(groupOf(l)) ?? { requests: 0, errors: 0 };
        c.requests++;
        if (l.status >= 400) c.errors++;
        counts.set(groupOf(l), c);
      }
      for (const [group, c] of counts) {
        if (c.requests < r.minRequests || !(c.errors / c.requests > r.threshold)) continue;
        rates.push({ type: type.toUpperCase(), rule: type, window_start: ws, window_end: we, group, value: c.errors / c.requests, threshold: r.threshold });
      }
    }
  }
  return { byStatus, rates };
}

const json = (l: Line) => `{"timestamp":${Math.floor(l.us / 1000)},"ip":"${l.ip}","method":"GET","url":"${l.url}","status":${l.status}}`;
const rateKey = (a: Record<string, unknown>) => `${a.rule}|${a.window_start}|${a.group}`;

describe('rate alert rules over worker shards', () => {
  it('global, URL and IP error rates fire exactly where the counts cross their thresholds, once each', async () => {
    const lines = traffic();
    const want = expectedAlerts(lines);
    // The data really exercises every rule, on both sides of each edge.
    const keys = want.rates.map(rateKey);
    const w8 = isoMs(T0 + 8 * WINDOW_US);
    for (const type of ['global_error_rate', 'url_error_rate', 'ip_error_rate']) expect(keys.filter((k) => k.startsWith(`${type}|`)).length, type).toBeGreaterThan(1);
    expect(keys.filter((k) => k.startsWith('global_error_rate|')).length).toBeLessThan(8);
    expect(keys).toContain(`ip_error_rate|${w8}|10.9.9.9`);
    expect(keys).toContain(`url_error_rate|${w8}|/edge`);
    for (const not of [`ip_error_rate|${w8}|10.9.9.8`, `ip_error_rate|${w8}|10.9.9.7`, `global_error_rate|${w8}|all`]) expect(keys).not.toContain(not);
    const w = (k: number) => isoMs(T0 + k * WINDOW_US);
    expect(keys).not.toContain(`global_error_rate|${w(9)}|all`);
    expect(keys).toContain(`global_error_rate|${w(10)}|all`);
    expect(want.byStatus).toContain(`${w(10)}|500`);
    expect(want.byStatus).not.toContain(`${w(11)}|404`);
    expect(want.byStatus.length).toBeGreaterThan(1);

    const s = { errors: new MemorySink(), rejected: new MemorySink(), metrics: new MemorySink(), alerts: new MemorySink() };
    const p = new Pipeline({
      shards: 2,
      shardOptions: { format: 'json', windowMs: 30_000, idleTimeoutMs: 30_000, maxUrlsPerWindow: 100, ...ruleTracking(RULES) },
      chunkBytes: 4 << 10,
      maxInFlightChunks: 64,
      lingerMs: 5,
      tickMs: 50,
      rules: RULES,
      earlyAlerts: true,
      output: new Outputs({ files: s, rotateAtBytes: 1 << 30 }),
      maxPendingOutputBytes: 1 << 30,
      nowUs: () => NOW,
    });
    p.start();
    // Two in-order streams, alternate lines each, fed in step: nothing is late whichever shard runs ahead.
    const streams = [0, 1].map((n) => Buffer.from(lines.filter((_, i) => i % 2 === n).map((l) => `${json(l)}\n`).join('')));
    for (let at = 0; at < Math.max(...streams.map((b) => b.length)); at += 3000) {
      streams.forEach((b, n) => at < b.length && p.data(`s${n}`, b.subarray(at, at + 3000)));
      await new Promise((r) => setImmediate(r));
    }
    p.streamEnd('s0');
    p.streamEnd('s1');
    await p.finish();
    await p.close();

    expect(s.rejected.lines()).toEqual([]);
    const alerts = s.alerts.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    const status = alerts.filter((a) => a.rule === 'errors_per_status').map((a) => `${a.window_start}|${a.group}`);
    expect(status.sort()).toEqual([...want.byStatus].sort());
    const rates = alerts.filter((a) => a.rule !== 'errors_per_status');
    const fields = ({ type, rule, window_start, window_end, group, value, threshold }: Record<string, unknown>) => ({ type, rule, window_start, window_end, group, value, threshold });
    const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => rateKey(a).localeCompare(rateKey(b));
    expect(rates.map(fields).sort(byKey)).toEqual([...want.rates].sort(byKey));
    // The message says what crossed and on how many requests.
    const edge = rates.find((a) => rateKey(a) === `ip_error_rate|${w8}|10.9.9.9`)!;
    expect(edge.message).toBe(`10.9.9.9: error rate 100.00% > 60.00% in window ${w8} (10/10 requests)`);
    const global = rates.find((a) => rateKey(a) === `global_error_rate|${w(10)}|all`)!;
    expect(global.message).toBe(`all: error rate 61.00% > 20.00% in window ${w(10)} (61/100 requests)`);
  });
});
