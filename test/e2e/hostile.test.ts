// Issue 14: hostile input never crashes the daemon or makes it grow. The real daemon (`logpulse run`) is fed each
// kind of hostile input through file:, stdin: and tcp-listen://; every case checks that it survives (exit 0 after
// reading everything or a SIGTERM), the reason each bad line is rejected with, the counts, and the peak resident
// memory the daemon reports in its last log line (`peakRssBytes`, a memory bound, not a timing).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { apiUrl } from '../api/helpers.js';
import { pollMetrics } from '../api/prom-text.js';
import { type CliProcess, spawnCli, waitForLog } from '../support/cli.js';
import { hostileLines, type Outcome } from '../support/hostile-lines.js';
import { freePort } from '../support/net.js';
import { until } from '../support/wait.js';
import { lines, readKind } from './helpers.js';

const MiB = 1 << 20;
/** Generous: an idle daemon with two workers peaks near 150 MiB. */
const PEAK_RSS_BOUND = 400 * MiB;

interface Summary {
  totals: { lines: number; records: number; errors: number; rejected: Record<string, number> };
  rejectedDropped: number;
  peakRssBytes: number;
}

/** The last log line of a run (`input ended; …` or `stopped; …`). */
function summaryOf(d: CliProcess): Summary {
  const line = d.stderr().split('\n').find((l) => l.includes('"peakRssBytes"'));
  if (line === undefined) throw new Error(`no summary line; stderr:\n${d.stderr()}`);
  return JSON.parse(line) as Summary;
}

/** A working directory with a config: no console, outputs in `out`, the API off or on a free port, and `extra` YAML. */
function setUp(extra = '', api = false): { dir: string; out: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-hostile-'));
  const config = join(dir, 'c.yaml');
  writeFileSync(config, `api: { enabled: ${api}, port: 0 }\nconsole: { enabled: false }\noutput: { dir: out }\n${extra}`);
  return { dir, out: join(dir, 'out'), config };
}

interface Rejected {
  reason: string;
  line: string;
  line_base64?: string;
}

const rejectedIn = (out: string): Rejected[] => lines(readKind(out, 'rejected')).map((l) => JSON.parse(l) as Rejected);
/** The bytes of the line a rejected entry quotes (its first 4096). */
const quoted = (r: Rejected): Buffer => (r.line_base64 === undefined ? Buffer.from(r.line) : Buffer.from(r.line_base64, 'base64'));

describe('hostile input', () => {
  it('NUL bytes, invalid UTF-8 in every field, JSON nested 100,000 deep, duplicate keys, numbers out of range, years 1 and 9999: each its outcome', async () => {
    const cases = hostileLines(Date.now());
    // Lines nested 100,000 deep are 200–600 KB: allowed here, so they reach the parser instead of being too_long.
    const { dir, out, config } = setUp('limits: { maxLineBytes: 1048576 }\n');
    writeFileSync(join(dir, 'in.log'), Buffer.concat(cases.flatMap((c) => [c.line, Buffer.from('\n')])));
    const d = spawnCli(['run', '-c', config, '--source', 'file:in.log'], { cwd: dir });
    expect(await d.exit, d.stderr()).toBe(0);

    const rejected = rejectedIn(out);
    const outcomes = cases.map((c) => {
      const r = rejected.filter((x) => quoted(x).equals(c.line.subarray(0, 4096)));
      if (r.length > 1) return `${c.name}: rejected ${r.length} times`;
      return `${c.name}: ${r[0]?.reason ?? 'not rejected'}`;
    });
    const expected = cases.map((c) => `${c.name}: ${c.outcome === 'record' || c.outcome === 'error' ? 'not rejected' : c.outcome}`);
    expect(outcomes).toEqual(expected);

    const count = (o: Outcome) => cases.filter((c) => c.outcome === o).length;
    const s = summaryOf(d);
    expect(s.totals.lines).toBe(cases.length);
    expect(s.totals.records).toBe(count('record') + count('error'));
    expect(s.totals.errors).toBe(count('error'));
    expect(rejected).toHaveLength(cases.length - count('record') - count('error'));
    // The duplicate status counted with its last value; the NULs that were accepted are escaped in errors/.
    const errors = lines(readKind(out, 'errors')).map((l) => JSON.parse(l) as { status: number; url: string });
    expect(errors.map((e) => e.status)).toEqual([500, 500, 500]);
    expect(errors.filter((e) => e.url === '/a\0b')).toHaveLength(2);
    expect(s.peakRssBytes).toBeLessThan(PEAK_RSS_BOUND);
  }, 60_000);

  it('a 10 MB line on stdin is too_long and the daemon stays small', async () => {
    const { dir, out, config } = setUp();
    const ts = new Date(Date.now() - 60_000).toISOString();
    const record = `{"timestamp":"${ts}","ip":"10.0.0.1","method":"GET","url":"/a","status":200}\n`;
    const huge = `{"timestamp":"${ts}","ip":"10.0.0.1","method":"GET","url":"/${'a'.repeat(10 * 1_000_000)}","status":200}\n`;
    const d = spawnCli(['run', '-c', config, '--source', 'stdin:'], { cwd: dir, stdin: 'pipe' });
    d.child.stdin!.end(record + huge + record);
    expect(await d.exit, d.stderr()).toBe(0);
    const rejected = rejectedIn(out);
    expect(rejected.map((r) => [r.reason, r.line.length])).toEqual([['too_long', 4096]]);
    expect(huge.startsWith(rejected[0]!.line)).toBe(true);
    const s = summaryOf(d);
    expect([s.totals.lines, s.totals.records, s.totals.rejected.tooLong]).toEqual([3, 2, 1]);
    expect(s.peakRssBytes).toBeLessThan(PEAK_RSS_BOUND);
  }, 60_000);

  it('a million 1-byte lines: every one counted as malformed, rejected/ capped at limits.rejectedPerSecond, the rest counted as dropped', async () => {
    const perSecond = 10_000;
    const n = 1_000_000;
    const { dir, out, config } = setUp(`limits: { rejectedPerSecond: ${perSecond} }\n`);
    writeFileSync(join(dir, 'in.log'), 'x\n'.repeat(n));
    const started = Date.now();
    const d = spawnCli(['run', '-c', config, '--source', 'file:in.log'], { cwd: dir });
    expect(await d.exit, d.stderr()).toBe(0);
    const seconds = (Date.now() - started) / 1000;
    const s = summaryOf(d);
    expect([s.totals.lines, s.totals.records, s.totals.rejected.malformed]).toEqual([n, 0, n]);
    const written = rejectedIn(out);
    expect(new Set(written.map((r) => `${r.reason} ${r.line}`))).toEqual(new Set(['malformed x']));
    // The bucket starts full (one second's worth) and refills at perSecond for at most the life of the process.
    expect(written.length).toBeGreaterThanOrEqual(perSecond);
    expect(written.length).toBeLessThanOrEqual(perSecond * (1 + seconds));
    expect(written.length + s.rejectedDropped).toBe(n);
    expect(d.stderr().split('\n').filter((l) => l.includes('over limits.rejectedPerSecond'))).toHaveLength(1);
    expect(s.peakRssBytes).toBeLessThan(PEAK_RSS_BOUND);
  }, 60_000);

  it('tcp-listen: a slowloris, a producer that never sends a newline, resets mid-line and 1,000 concurrent connections', async () => {
    const port = await freePort();
    const { dir, out, config } = setUp('limits: { maxConnections: 100, idleTimeout: 1s }\nformat: csv\n', true);
    const d = spawnCli(['run', '-c', config, '--source', `tcp-listen://:${port}`], { cwd: dir });
    const url = await apiUrl(d);
    await waitForLog(d, 'source started');
    const ts = new Date(Date.now() - 60_000).toISOString();
    const record = `${ts};10.0.0.1;GET;/a;200\n`;
    const sockets: Socket[] = [];
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        // `tcp-listen://:PORT` listens on 127.0.0.1.
        const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
        s.on('error', (err) => (s.connecting ? reject(err) : undefined));
        sockets.push(s);
      });
    const closed = (s: Socket): Promise<void> => new Promise((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())));

    // A slowloris: a byte every 100 ms, never a newline. Idle after 1 s: closed, its bytes rejected as malformed.
    const loris = await open();
    const trickle = setInterval(() => loris.write('y'), 100);
    await closed(loris);
    clearInterval(trickle);
    // A producer that never sends a newline: 2 MB in one go, then nothing. too_long, and closed as idle too.
    const blaster = await open();
    blaster.write('z'.repeat(2_000_000));
    await closed(blaster);
    // Reset mid-line: a CSV line cut inside its status would parse as status 50; it is malformed instead.
    const resetter = await open();
    await new Promise<void>((resolve) => resetter.write(`${record}${ts};10.0.0.9;GET;/cut;50`, () => resolve()));
    await pollMetrics(url, (m) => m.get('logpulse_lines_total{source="tcp-listen"}') === 3);
    resetter.resetAndDestroy();

    // Idle closing off, in place (a reload): on a loaded machine 1,000 connects can take longer than a second, and
    // the first taken must not be closed as idle while the last still arrive.
    writeFileSync(config, readFileSync(config, 'utf8').replace('idleTimeout: 1s', 'idleTimeout: 0'));
    d.child.kill('SIGHUP');
    await waitForLog(d, 'config reloaded');
    // 1,000 at once: 100 are taken, the other 900 closed as soon as they connect (they may see a reset).
    const crowd = await Promise.all(Array.from({ length: 1000 }, () => open()));
    const m = await pollMetrics(url, (s) => s.get('logpulse_tcp_connections') === 100 && s.get('logpulse_tcp_connections_refused_total') === 900);
    expect([m.get('logpulse_tcp_connections'), m.get('logpulse_tcp_connections_refused_total'), m.get('logpulse_tcp_connections_idle_closed_total')]).toEqual([100, 900, 2]);
    // Each refused one sees its end too (the daemon counted it first): what is left open was taken.
    await until('900 connections closed by the daemon', () => crowd.filter((s) => s.closed).length === 900);
    const taken = crowd.filter((s) => !s.closed);
    await Promise.all(taken.map((s) => new Promise<void>((resolve) => s.end(record, () => resolve()))));
    await pollMetrics(url, (s) => s.get('logpulse_records_total{source="tcp-listen"}') === 1 + taken.length);
    expect(taken).toHaveLength(100);

    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr()).toBe(0);
    for (const s of sockets) s.destroy();
    const rejected = rejectedIn(out);
    expect(rejected.map((r) => r.reason).sort()).toEqual(['malformed', 'malformed', 'too_long']);
    expect(rejected.find((r) => r.reason === 'too_long')!.line).toBe('z'.repeat(4096));
    expect(rejected.some((r) => /^y+$/.test(r.line))).toBe(true);
    expect(rejected.some((r) => r.line === `${ts};10.0.0.9;GET;/cut;50`)).toBe(true);
    const s = summaryOf(d);
    expect([s.totals.records, s.totals.rejected.malformed, s.totals.rejected.tooLong]).toEqual([101, 2, 1]);
    // Refused and idle connections are logged once each (the run is shorter than 30 s), not once per connection.
    expect(d.stderr().split('\n').filter((l) => l.includes('limits.maxConnections reached'))).toHaveLength(1);
    expect(d.stderr().split('\n').filter((l) => l.includes('closed connections without a complete line'))).toHaveLength(1);
    expect(s.peakRssBytes).toBeLessThan(PEAK_RSS_BOUND);
  }, 60_000);
});
