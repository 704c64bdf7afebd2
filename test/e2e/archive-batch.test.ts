// The lambda flow end to end, as an operator runs it: `logpulse gen` history → `logpulse run` with the archive on →
// the Parquet archive read back by pyarrow (not logpulse) → `logpulse batch` views equal to a direct count of the
// input → `alerts.thresholdsFrom: batch` firing in about 1 % of windows on the same traffic pattern.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { archiveFiles, summarizeArchive } from '../support/archive-reader.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { CLI } from '../support/paths.js';
import { ensurePyarrow } from '../support/pyarrow.js';
import { lines, readKind } from './helpers.js';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logpulse-lambda-'));
  await ensurePyarrow();
});

function gen(args: string[], file: string): string[] {
  const r = spawnSync(process.execPath, [CLI, 'gen', '--rate', '0', ...args], { maxBuffer: 1 << 30 });
  expect(r.status, r.stderr.toString()).toBe(0);
  writeFileSync(file, r.stdout);
  return lines(r.stdout.toString());
}

async function run(args: string[]): Promise<string> {
  const p = spawnCli(['run', '--no-api', ...args]);
  expect(await p.exit, p.stderr()).toBe(0);
  return p.stderr();
}

async function batch(cfg: string): Promise<string> {
  const p = spawnCli(['batch', '-c', cfg]);
  expect(await p.exit, p.stderr()).toBe(0);
  return p.stderr();
}

/** A view's CSV as objects (DuckDB writes a header; no field here holds a comma or a quote). */
function readView(batchDir: string, view: string): Record<string, string>[] {
  const [header, ...rows] = lines(readFileSync(join(batchDir, view, `${view}.csv`), 'utf8'));
  const cols = header!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])));
}

const tally = <K>(m: Map<K, { n: number; e: number }>, k: K, error: boolean) => {
  const t = m.get(k) ?? { n: 0, e: 0 };
  t.n++;
  if (error) t.e++;
  m.set(k, t);
};

describe('archive and batch layer', () => {
  it('300k lines: the archive is every record with its types (pyarrow), and every batch view equals a direct count', async () => {
    const input = join(dir, 'history.ndjson');
    const data = gen(['--count', '300000', '--seed', '21', '--start', '2025-06-09T09:40:00Z', '--step', '25', '--late-fraction', '0.01'], input);
    const archive = join(dir, 'logs');
    const batchDir = join(dir, 'batch');
    const cfg = join(dir, 'lambda.yaml');
    writeFileSync(cfg, `console:\n  enabled: false\narchive:\n  enabled: true\n  dir: ${archive}\nbatch:\n  dir: ${batchDir}\n`);
    const log = await run(['-c', cfg, '--source', `file:${input}`, '--output', join(dir, 'out')]);
    expect(log).toMatch(/"late":[1-9]/); // late records exist, and are archived all the same

    // Direct count of the input.
    const ips = new Map<string, { n: number; e: number }>();
    const urls = new Map<string, { n: number; e: number }>();
    const minutes = new Map<number, { n: number; e: number }>();
    const statuses = new Map<number, number>();
    const hours = new Map<string, number>();
    for (const l of data) {
      const r = JSON.parse(l) as { timestamp: string; ip: string; url: string; status: number };
      const ms = Date.parse(r.timestamp);
      const error = r.status >= 400;
      tally(ips, r.ip, error);
      tally(urls, r.url, error);
      tally(minutes, Math.floor(ms / 60_000) * 60_000, error);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const iso = new Date(ms).toISOString();
      const part = `date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
      hours.set(part, (hours.get(part) ?? 0) + 1);
    }

    const s = await summarizeArchive(archive);
    expect(s.rows).toBe(data.length);
    expect(s.distinct).toBe(data.length);
    expect(s.late).toBeGreaterThan(0);
    expect(s.partitions).toEqual(Object.fromEntries(hours));
    expect(s.types).toMatchObject({
      timestamp: 'timestamp[us, tz=UTC]',
      ip: 'string',
      method: 'string',
      url: 'string',
      status: 'int16',
      user_agent: 'string',
      referer: 'string',
      size: 'int64',
      late: 'bool',
      stream: 'string',
      shard: 'int16',
    });
    // A finished run leaves one file per hour (its cuts compacted), nothing half-written, no bookkeeping.
    const files = archiveFiles(archive);
    expect(files.every((f) => /^date=[\d-]+\/hour=\d\d\/(part-[a-z0-9]+-\d+|compact-[a-z0-9]+)-\d{10}\.parquet$/.test(f)), files.join('\n')).toBe(true);
    expect(files).toHaveLength(hours.size);

    await batch(cfg);
    const ipView = readView(batchDir, 'ip_stats');
    expect(ipView).toHaveLength(ips.size);
    for (const row of ipView) expect([Number(row.nb_connexions), Number(row.errors)], row.ip).toEqual([ips.get(row.ip!)!.n, ips.get(row.ip!)!.e]);
    const urlView = readView(batchDir, 'url_stats');
    expect(urlView).toHaveLength(urls.size);
    for (const row of urlView) {
      const want = urls.get(row.url!)!;
      expect([Number(row.requests), Number(row.errors)], row.url).toEqual([want.n, want.e]);
      expect(Number(row.error_rate)).toBeCloseTo(want.e / want.n, 9);
    }
    expect(new Map(readView(batchDir, 'status_stats').map((r) => [Number(r.status), Number(r.count)]))).toEqual(statuses);
    const minuteView = readView(batchDir, 'minute_stats');
    expect(minuteView).toHaveLength(minutes.size);
    for (const row of minuteView) {
      const ms = Date.parse(row.minute!.replace(' ', 'T').replace(/\+00$/, 'Z'));
      expect([Number(row.requests), Number(row.errors)], row.minute).toEqual([minutes.get(ms)!.n, minutes.get(ms)!.e]);
    }
    // The generator writes no user agent: the view is there, empty.
    expect(readView(batchDir, 'user_agent_stats')).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(batchDir, 'manifest.json'), 'utf8')) as { records: number };
    expect(manifest.records).toBe(data.length);
  }, 180_000);

  it('thresholds learned from a day of history fire in 1 % ± 0.5 % of (window, status) groups on the next day', async () => {
    // 20 lines a second of event time; half the requests fail (404 and 500 alike): ~150 errors per status and window.
    const pattern = ['--count', String(86_400 * 20), '--step', '50', '--status-dist', '50', '25', '25'];
    const day1 = join(dir, 'day1.ndjson');
    const day2 = join(dir, 'day2.ndjson');
    gen([...pattern, '--seed', '1', '--start', '2025-06-01T00:00:00Z'], day1);
    gen([...pattern, '--seed', '2', '--start', '2025-06-02T00:00:00Z'], day2);
    const archive = join(dir, 'days');
    const batchDir = join(dir, 'days-batch');
    const cfg = join(dir, 'days.yaml');
    writeFileSync(
      cfg,
      `console:\n  enabled: false\narchive:\n  enabled: true\n  dir: ${archive}\nbatch:\n  dir: ${batchDir}\nalerts:\n  thresholdsFrom: batch\n`,
    );

    // Day one: no batch yet, the configured threshold (100) applies; then the batch learns from it.
    const first = await run(['-c', cfg, '--source', `file:${day1}`, '--output', join(dir, 'day1-out')]);
    expect(first).toMatch(/no batch has run yet/);
    await batch(cfg);
    const [rule] = readView(batchDir, 'thresholds');
    expect(rule).toMatchObject({ rule: '0', type: 'errors_per_status', windows: String(2880 * 2) });
    expect(Number(rule!.threshold)).toBeGreaterThan(150);

    const out = join(dir, 'day2-out');
    const second = await run(['-c', cfg, '--source', `file:${day2}`, '--output', out]);
    expect(second).toMatch(/alert thresholds taken from the batch layer/);
    const alerts = lines(readKind(out, 'alerts')).map((l) => JSON.parse(l) as { rule: string; threshold: number; window_start: string });
    expect(alerts.every((a) => a.threshold === Number(rule!.threshold))).toBe(true);
    const fraction = alerts.length / (2880 * 2);
    expect(fraction).toBeGreaterThanOrEqual(0.005);
    expect(fraction).toBeLessThanOrEqual(0.015);
  }, 240_000);

  it('a running daemon takes the thresholds of a new batch without a restart', async () => {
    const input = join(dir, 'recent.ndjson');
    gen(['--count', '100000', '--seed', '31', '--start', '2025-06-09T06:00:00Z', '--step', '100'], input);
    const archive = join(dir, 'recent-logs');
    const batchDir = join(dir, 'recent-batch');
    const cfg = join(dir, 'recent.yaml');
    writeFileSync(cfg, `console:\n  enabled: false\narchive:\n  enabled: true\n  dir: ${archive}\nbatch:\n  dir: ${batchDir}\nalerts:\n  thresholdsFrom: batch\n`);
    await run(['-c', cfg, '--source', `file:${input}`, '--output', join(dir, 'recent-out')]);

    const live = spawnCli(['run', '-c', cfg, '--no-api', '--source', `tcp-listen://127.0.0.1:${await freePort()}`, '--output', join(dir, 'live-out')]);
    await waitForLog(live, 'source started');
    expect(live.stderr()).toMatch(/no batch has run yet/);
    await batch(cfg);
    await waitForLog(live, 'alert thresholds taken from the batch layer', 20_000);
    const [rule] = readView(batchDir, 'thresholds');
    expect(live.stderr()).toContain(`"threshold":${Number(rule!.threshold)}`);
    live.child.kill('SIGTERM');
    expect(await live.exit, live.stderr()).toBe(0);
  }, 120_000);
});
