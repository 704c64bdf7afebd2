// The daemon's /metrics series after known input: a real daemon (`logpulse run --source stdin:`) is fed lines from
// `logpulse gen --stats` (which says how many of each bad kind and how many late ones it wrote), and what it
// exports is compared with those numbers and with the files it wrote (rejected/ by reason, alerts/ by rule,
// metrics/ windows, every kind's files and bytes, the Parquet archive). Also SIGHUP reloads by result.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lines, readKind } from '../e2e/helpers.js';
import { type CliProcess, spawnCli } from '../support/cli.js';
import { CLI } from '../support/paths.js';
import { apiUrl } from './helpers.js';
import { pollMetrics, type Samples, series } from './prom-text.js';

const COUNT = 30_000;
/** 10 ms of event time apart: 300 s, ten 30 s windows; the last line, 10 min later, closes them all. */
const GEN = ['gen', '--rate', '0', '--count', String(COUNT), '--seed', '7', '--start', '2025-06-09T00:00:00Z', '--step', '10', '--malformed-fraction', '0.01', '--late-fraction', '0.005', '--stats'];
const CLOSER = '{"timestamp": "2025-06-09T00:15:00Z", "ip": "10.0.0.1", "method": "GET", "url": "/resource/1", "status": 200}\n';
const WINDOWS = 10;
const FILE_KINDS = ['errors', 'rejected', 'metrics', 'alerts'] as const;

interface GenStats {
  lines: number;
  records: number;
  late: number;
  bad: Record<string, number>;
}

const CONFIG = `api:
  port: 0
console:
  enabled: false
output:
  rotateEvery: 1s
archive:
  enabled: true
  dir: archive
alerts:
  rules:
    - { type: errors_per_status, threshold: 50 }
    - { type: global_error_rate, threshold: 0.05 }
    - { type: ip_error_rate, threshold: 0.5 }
`;

/** Files and bytes of the complete files of `kind` on disk (the Parquet files for `archive`). */
function onDisk(dir: string, kind: string): { files: number; bytes: number } {
  const root = kind === 'archive' ? join(dir, 'archive') : join(dir, 'out', kind);
  if (!existsSync(root)) return { files: 0, bytes: 0 };
  const done = (name: string) => !name.startsWith('.') && (kind === 'archive' ? name.endsWith('.parquet') : name.endsWith('.ndjson'));
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((p) => done(p.split('/').at(-1)!));
  return { files: files.length, bytes: files.reduce((sum, p) => sum + statSync(join(root, p)).size, 0) };
}

/** Counts of the values of `field` over the JSON lines of every file of `kind`. */
function countBy(outDir: string, kind: string, field: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines(readKind(outDir, kind))) {
    const value = String((JSON.parse(line) as Record<string, unknown>)[field]);
    counts[value] = (counts[value] ?? 0) + 1;
  }
  return counts;
}

const value = (s: Samples, key: string): number | undefined => s.get(key);

describe('/metrics of a daemon fed known lines', () => {
  let dir: string;
  let out: string;
  let d: CliProcess;
  let url: string;
  let stats: GenStats;
  let m: Samples;

  /** Everything read, every closed window written, every file published and counted. */
  const settled = (s: Samples): boolean =>
    value(s, 'logpulse_lines_total{source="stdin"}') === COUNT + 1 &&
    value(s, 'logpulse_windows_emitted_total') === WINDOWS &&
    value(s, 'logpulse_output_pending_bytes') === 0 &&
    [...FILE_KINDS, 'archive'].every((kind) => {
      const disk = onDisk(dir, kind);
      // files > 0: a kind whose first file is still being cut (the archive writes its Parquet at the cut) is not settled.
      return disk.files > 0 && value(s, `logpulse_output_files_total{kind="${kind}"}`) === disk.files && value(s, `logpulse_output_bytes_total{kind="${kind}"}`) === disk.bytes;
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logpulse-metrics-'));
    out = join(dir, 'out');
    const gen = spawnSync(process.execPath, [CLI, ...GEN], { maxBuffer: 1 << 30 });
    expect(gen.status, gen.stderr.toString()).toBe(0);
    stats = JSON.parse(gen.stderr.toString().trim().split('\n').at(-1)!) as GenStats;
    writeFileSync(join(dir, 'logpulse.yaml'), CONFIG);
    d = spawnCli(['run', '-c', join(dir, 'logpulse.yaml'), '--source', 'stdin:', '--output', out, '--checkpoint', join(dir, 'cp'), '--workers', '2'], {
      cwd: dir,
      stdin: 'pipe',
      stdout: 'ignore',
    });
    url = await apiUrl(d);
    // stdin stays open: the daemon keeps serving while the test scrapes it.
    d.child.stdin!.write(Buffer.concat([gen.stdout, Buffer.from(CLOSER)]));
    m = await pollMetrics(url, settled);
  });

  afterAll(async () => {
    d.child.stdin!.end();
    expect(await d.exit, d.stderr()).toBe(0);
  });

  it('input by source kind; late and rejected by reason as gen wrote them (the reasons of rejected/ files)', () => {
    expect(settled(m), JSON.stringify(Object.fromEntries(m))).toBe(true);
    expect(value(m, 'logpulse_records_total{source="stdin"}')).toBe(stats.records + 1);
    expect(value(m, 'logpulse_late_records_total')).toBe(stats.late);
    const rejected = Object.fromEntries([...series(m, 'logpulse_rejected_total')].map(([labels, n]) => [labels.slice('{reason="'.length, -2), n]));
    expect(rejected).toEqual({ ...stats.bad, late: stats.late });
    expect(Object.values(stats.bad).every((n) => n > 0)).toBe(true);
    // Late records go to rejected/ too, with reason late.
    expect(countBy(out, 'rejected', 'reason')).toEqual(rejected);
    // Every line read is a record, or rejected for one reason (late included).
    const sumRejected = Object.values(rejected).reduce((a, b) => a + b, 0);
    expect(value(m, 'logpulse_lines_total{source="stdin"}')).toBe(value(m, 'logpulse_records_total{source="stdin"}')! + sumRejected);
    expect(value(m, 'logpulse_input_bytes_total{source="stdin"}')).toBeGreaterThan(0);
  });

  it('error records, windows and alerts by rule are what the output files hold; a rule that never fired is exported as 0', () => {
    expect(value(m, 'logpulse_error_records_total')).toBe(lines(readKind(out, 'errors')).length);
    const windows = new Set(lines(readKind(out, 'metrics')).map((l) => (JSON.parse(l) as { window_start: string }).window_start));
    expect(windows.size).toBe(WINDOWS);
    const byRule = countBy(out, 'alerts', 'rule');
    expect(byRule.errors_per_status).toBeGreaterThan(0);
    expect(byRule.global_error_rate).toBeGreaterThan(0);
    expect(Object.fromEntries(series(m, 'logpulse_alerts_fired_total'))).toEqual({
      '{rule="errors_per_status"}': byRule.errors_per_status,
      '{rule="global_error_rate"}': byRule.global_error_rate,
      '{rule="ip_error_rate"}': 0,
    });
  });

  it('output files and bytes by kind are the complete files on disk; two fsyncs (file, directory) per published file; archive cuts timed', () => {
    for (const kind of [...FILE_KINDS, 'archive']) {
      const disk = onDisk(dir, kind);
      expect(disk.files, kind).toBeGreaterThan(0);
      expect(value(m, `logpulse_output_files_total{kind="${kind}"}`), kind).toBe(disk.files);
      expect(value(m, `logpulse_output_bytes_total{kind="${kind}"}`), kind).toBe(disk.bytes);
    }
    for (const kind of FILE_KINDS) {
      expect(value(m, `logpulse_fsync_duration_seconds_count{kind="${kind}"}`), kind).toBe(2 * value(m, `logpulse_output_files_total{kind="${kind}"}`)!);
      expect(value(m, `logpulse_fsync_duration_seconds_bucket{le="+Inf",kind="${kind}"}`), kind).toBe(value(m, `logpulse_fsync_duration_seconds_count{kind="${kind}"}`));
    }
    expect(value(m, 'logpulse_output_files_total{kind="partials"}')).toBeUndefined(); // only Kafka runs keep partials
    expect(value(m, 'logpulse_archived_rows_total')).toBe(stats.records + 1 + stats.late);
    expect(value(m, 'logpulse_durable_cut_duration_seconds_count{kind="archive"}')).toBeGreaterThan(0);
    expect(value(m, 'logpulse_durable_cut_failures_total{kind="archive"}')).toBe(0);
  });

  it('shard queue depth per shard, backpressure pauses by cause, no Kafka lag without Kafka', () => {
    expect([...series(m, 'logpulse_shard_queue_depth').keys()]).toEqual(['{shard="0"}', '{shard="1"}']);
    for (const depth of series(m, 'logpulse_shard_queue_depth').values()) expect(depth).toBeGreaterThanOrEqual(0);
    expect([...series(m, 'logpulse_backpressure_pauses_total').keys()]).toEqual(['{cause="shards"}', '{cause="output"}', '{cause="input"}', '{cause="memory"}']);
    expect(value(m, 'logpulse_backpressure_paused')).toBe(0);
    // No webhook configured: its series are there, at 0.
    expect(Object.fromEntries(series(m, 'logpulse_webhook_deliveries_total'))).toEqual({ '{result="ok"}': 0, '{result="retry"}': 0, '{result="failed"}': 0, '{result="dropped"}': 0 });
    expect(value(m, 'logpulse_webhook_queue')).toBe(0);
    expect(value(m, 'logpulse_output_failing')).toBe(0);
    expect(series(m, 'logpulse_kafka_consumer_lag').size).toBe(0);
  });

  it('SIGHUP reloads are counted by result: ok when applied, failed when the file is bad', async () => {
    const reloads = (s: Samples) => [value(s, 'logpulse_config_reloads_total{result="ok"}'), value(s, 'logpulse_config_reloads_total{result="failed"}')];
    expect(reloads(m)).toEqual([0, 0]);
    d.child.kill('SIGHUP');
    expect(reloads(await pollMetrics(url, (s) => reloads(s)[0] === 1))).toEqual([1, 0]);
    writeFileSync(join(dir, 'logpulse.yaml'), `${CONFIG}no_such_key: 1\n`);
    d.child.kill('SIGHUP');
    expect(reloads(await pollMetrics(url, (s) => reloads(s)[1] === 1))).toEqual([1, 1]);
    writeFileSync(join(dir, 'logpulse.yaml'), CONFIG);
  });
});
