// A real Prometheus (Debian's package, installed on first use) scrapes a real daemon with the scrape config
// committed in deploy/prometheus/ (a copy naming the daemon's address, scraping every second), and its HTTP API
// answers with the logpulse series and the values the daemon was fed. promtool checks the committed config and
// rules, runs the rules' unit tests, and lints the daemon's /metrics text.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

import { type CliProcess, spawnCli } from '../support/cli.js';
import { ensureDebianPackage } from '../support/debian.js';
import { freePort } from '../support/net.js';
import { CLI, ROOT } from '../support/paths.js';
import { sleep } from '../support/wait.js';
import { apiUrl } from './helpers.js';

const DEPLOY = join(ROOT, 'deploy', 'prometheus');
const GEN = ['gen', '--rate', '0', '--count', '5000', '--seed', '3', '--start', '2025-06-09T00:00:00Z', '--step', '10', '--malformed-fraction', '0.02', '--stats'];

/** The series a daemon with the archive on exports from its first scrape on (histograms once observed). */
const SERIES = [
  'logpulse_lines_total',
  'logpulse_input_bytes_total',
  'logpulse_records_total',
  'logpulse_error_records_total',
  'logpulse_late_records_total',
  'logpulse_rejected_total',
  'logpulse_rejected_dropped_total',
  'logpulse_windows_emitted_total',
  'logpulse_alerts_fired_total',
  'logpulse_archived_rows_total',
  'logpulse_output_files_total',
  'logpulse_output_bytes_total',
  'logpulse_retention_deleted_files_total',
  'logpulse_retention_deleted_bytes_total',
  'logpulse_output_pending_bytes',
  'logpulse_output_failing',
  'logpulse_shard_queue_depth',
  'logpulse_backpressure_pauses_total',
  'logpulse_backpressure_paused',
  'logpulse_input_buffered_bytes',
  'logpulse_memory_limit_bytes',
  'logpulse_memory_over_limit',
  'logpulse_memory_over_limit_total',
  'logpulse_tcp_connections',
  'logpulse_tcp_connections_refused_total',
  'logpulse_tcp_connections_idle_closed_total',
  'logpulse_fsync_duration_seconds_bucket',
  'logpulse_fsync_duration_seconds_count',
  'logpulse_fsync_duration_seconds_sum',
  'logpulse_durable_cut_duration_seconds_bucket',
  'logpulse_durable_cut_duration_seconds_count',
  'logpulse_durable_cut_duration_seconds_sum',
  'logpulse_source_hold_duration_seconds_bucket',
  'logpulse_source_hold_duration_seconds_count',
  'logpulse_source_hold_duration_seconds_sum',
  'logpulse_durable_cut_failures_total',
  'logpulse_config_reloads_total',
  'logpulse_config_rebuilds_total',
  // Cluster mode's series that exist outside it too (0): the labelled ones appear only in cluster mode.
  'logpulse_cluster_members',
  'logpulse_cluster_published_bytes_total',
  'logpulse_cluster_windows_written_total',
  'logpulse_webhook_deliveries_total',
  'logpulse_webhook_queue',
];

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: DEPLOY, ...(input === undefined ? {} : { input }) });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('a real Prometheus scraping a real daemon', () => {
  let dir: string;
  let d: CliProcess;
  let daemonUrl: string;
  let prometheus: ChildProcess;
  let prometheusLog = '';
  let prom: string;
  let stats: { records: number; bad: Record<string, number> };

  /** GETs Prometheus's `path` every 250 ms until `done` holds for its `data` (at most 60 s); returns the last `data`. */
  async function pollApi<T>(path: string, done: (data: T) => boolean): Promise<T> {
    const started = Date.now();
    for (;;) {
      const body = (await (await fetch(`${prom}${path}`)).json()) as { status: string; data: T };
      expect(body.status, JSON.stringify(body)).toBe('success');
      if (done(body.data) || Date.now() - started > 60_000) return body.data;
      await sleep(250);
    }
  }

  /** The instant vector of `q`, once `done` holds for it (or after 60 s). */
  const query = async (q: string, done: (r: Sample[]) => boolean): Promise<Sample[]> =>
    (await pollApi<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(q)}`, (data) => done(data.result))).result;

  beforeAll(async () => {
    await ensureDebianPackage('prometheus');
    dir = mkdtempSync(join(tmpdir(), 'logpulse-prometheus-'));
    const gen = spawnSync(process.execPath, [CLI, ...GEN], { maxBuffer: 1 << 28 });
    expect(gen.status, gen.stderr.toString()).toBe(0);
    stats = JSON.parse(gen.stderr.toString().trim().split('\n').at(-1)!) as typeof stats;
    writeFileSync(join(dir, 'logpulse.yaml'), 'api:\n  port: 0\nconsole:\n  enabled: false\noutput:\n  rotateEvery: 1s\narchive:\n  enabled: true\n  dir: archive\n');
    d = spawnCli(['run', '-c', join(dir, 'logpulse.yaml'), '--source', 'stdin:', '--output', join(dir, 'out'), '--checkpoint', join(dir, 'cp')], {
      cwd: dir,
      stdin: 'pipe',
      stdout: 'ignore',
    });
    daemonUrl = await apiUrl(d);
    d.child.stdin!.write(gen.stdout); // stdin stays open: the daemon keeps serving until afterAll

    // The committed config, pointed at this daemon, scraping and evaluating the example rules every second.
    const config = parse(readFileSync(join(DEPLOY, 'prometheus.yml'), 'utf8')) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    config.global.scrape_interval = '1s';
    config.global.evaluation_interval = '1s';
    config.rule_files = config.rule_files.map((f) => join(DEPLOY, f));
    config.scrape_configs[0]!.static_configs = [{ targets: [new URL(daemonUrl).host] }];
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    prom = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr!.on('data', (b: Buffer) => (prometheusLog += b.toString()));
    for (const started = Date.now(); ; await sleep(200)) {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited (${prometheus.exitCode}):\n${prometheusLog}`);
      if (Date.now() - started > 60_000) throw new Error(`prometheus not ready after 60 s:\n${prometheusLog}`);
      if ((await fetch(`${prom}/-/ready`).catch(() => null))?.status === 200) break;
    }
  }, 12 * 60_000); // the first run installs the package (apt-get, ≤ 10 min)

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
      prometheus.kill('SIGTERM');
      await once(prometheus, 'exit');
    }
    if (d) {
      d.child.stdin!.end();
      expect(await d.exit, d.stderr()).toBe(0);
    }
  });

  it('promtool: the committed config and rules are valid, the rules\' unit tests pass, /metrics lints clean', async () => {
    const config = promtool(['check', 'config', 'prometheus.yml']);
    expect(config.status, config.output).toBe(0);
    const rules = promtool(['check', 'rules', 'alerts.yml']);
    expect(rules.status, rules.output).toBe(0);
    const tests = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(tests.status, tests.output).toBe(0);
    const text = await (await fetch(`${daemonUrl}/metrics`)).text();
    expect(text).toContain('logpulse_records_total');
    const lint = promtool(['check', 'metrics'], text);
    expect(lint.status, lint.output).toBe(0);
    expect(lint.output.trim()).toBe('');
  });

  it('the target is up, and logpulse_records_total / rejected by reason reach the values the daemon was fed', async () => {
    const up = await query('up{job="logpulse"}', (r) => r[0]?.value[1] === '1');
    expect(up.map((s) => [s.metric.instance, s.value[1]])).toEqual([[new URL(daemonUrl).host, '1']]);
    const records = await query('logpulse_records_total', (r) => r[0]?.value[1] === String(stats.records));
    expect(records.map((s) => ({ ...s.metric, value: s.value[1] }))).toEqual([
      { __name__: 'logpulse_records_total', instance: new URL(daemonUrl).host, job: 'logpulse', source: 'stdin', value: String(stats.records) },
    ]);
    const want = Object.fromEntries(Object.entries({ ...stats.bad, late: 0 }).map(([reason, n]) => [reason, String(n)]));
    const rejected = await query('logpulse_rejected_total', (r) => r.length === 8 && r.every((s) => s.value[1] === want[s.metric.reason!]));
    expect(Object.fromEntries(rejected.map((s) => [s.metric.reason, s.value[1]]))).toEqual(want);
  });

  it('every logpulse series is in Prometheus (/api/v1/label/__name__/values), and the example rules evaluate on them', async () => {
    const names = await pollApi<string[]>('/api/v1/label/__name__/values', (n) => SERIES.every((s) => n.includes(s)));
    expect(names.filter((n) => n.startsWith('logpulse_')).sort()).toEqual([...SERIES].sort());
    const rules = await pollApi<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>('/api/v1/rules', (data) =>
      data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok'),
    );
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.length).toBe(13);
    expect(all.filter((r) => r.health !== 'ok')).toEqual([]);
  });
});
