// The Grafana dashboard (deploy/grafana/dashboards/logpulse.json) and its provisioning: every query is PromQL
// promtool accepts, names only series a real daemon's /metrics exposes (Prometheus's own `up` aside), and together the
// queries show every logpulse_ series; panels use the provisioned data source; the provisioning points where
// docker-compose.yml mounts things.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

import { apiUrl, spawnDaemon } from '../api/helpers.js';
import type { CliProcess } from '../support/cli.js';
import { loadCompose } from '../support/compose.js';
import { ensureDebianPackage } from '../support/debian.js';
import { ROOT } from '../support/paths.js';

interface Target {
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
}

const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards/logpulse.json'), 'utf8')) as { uid: string; panels: Panel[] };
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset']);

/** The metric names a PromQL expression selects (functions, aggregations, labels, strings and numbers left out). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings (label values, regexes)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/(?<![A-Za-z0-9_:.])\d+(\.\d+)?([eE][-+]?\d+)?/g, ' '); // numbers, 1e6 included
  const names = [...stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?![A-Za-z0-9_:]|\s*\()/g)].map((m) => m[0]).filter((n) => !KEYWORDS.has(n));
  return [...new Set(names)];
}

describe('the dashboard\'s queries', () => {
  let daemon: CliProcess;
  let exposed: Set<string>;

  beforeAll(async () => {
    // A daemon with the archive on, so every logpulse_ family is registered.
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-grafana-'));
    daemon = spawnDaemon(dir, {}, 'console:\n  enabled: false\narchive:\n  enabled: true\n  dir: archive\n');
    const text = await (await fetch(`${await apiUrl(daemon)}/metrics`)).text();
    exposed = new Set<string>();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const [name, type] = [m[1]!, m[2]!];
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(`${name}${suffix}`);
      else exposed.add(name);
    }
  });

  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    if (daemon) expect(await daemon.exit).toBe(0);
  });

  it('name only series the daemon exposes (and Prometheus\'s `up`)', () => {
    expect(queries.length).toBeGreaterThan(20);
    for (const { panel, expr } of queries) {
      const names = metricNames(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const n of names) expect(n === 'up' || exposed.has(n), `${panel}: ${n} is not exposed by a daemon (${expr})`).toBe(true);
    }
  });

  it('show every logpulse_ series (README, HTTP API): rates, rejected by reason, alerts by rule, Kafka lag, fsync quantiles…', () => {
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)).map((n) => n.replace(/_bucket$/, '')));
    const families = [...exposed].filter((n) => n.startsWith('logpulse_') && !/_(sum|count)$/.test(n)).map((n) => n.replace(/_bucket$/, ''));
    expect(families.filter((f) => !used.has(f))).toEqual([]);
    const exprs = queries.map((q) => q.expr);
    expect(exprs).toEqual(
      expect.arrayContaining([
        'sum by (reason) (rate(logpulse_rejected_total{instance=~"$instance"}[5m]))',
        'sum by (rule) (increase(logpulse_alerts_fired_total{instance=~"$instance"}[5m]))',
        'sum by (topic, partition) (logpulse_kafka_consumer_lag{instance=~"$instance"})',
        'histogram_quantile(0.99, sum by (kind, le) (rate(logpulse_fsync_duration_seconds_bucket{instance=~"$instance"}[5m])))',
      ]),
    );
  });

  it('are PromQL that promtool accepts (each checked as a recording rule)', async () => {
    await ensureDebianPackage('prometheus');
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-grafana-promql-'));
    const rules = { groups: [{ name: 'dashboard', rules: queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr.replaceAll('$instance', '.*') })) }] };
    writeFileSync(join(dir, 'rules.yml'), stringify(rules));
    const r = spawnSync('promtool', ['check', 'rules', 'rules.yml'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // And it does reject a broken one.
    writeFileSync(join(dir, 'bad.yml'), stringify({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum by (rule (rate(logpulse_alerts_fired_total[5m]))' }] }] }));
    expect(spawnSync('promtool', ['check', 'rules', 'bad.yml'], { cwd: dir }).status).not.toBe(0);
  }, 12 * 60_000);
});

describe('metricNames', () => {
  it('finds metric names and nothing else', () => {
    expect(metricNames('sum by (instance) (rate(logpulse_rejected_total{reason!="late"}[5m])) / sum by (instance) (rate(logpulse_lines_total[5m])) > 0.01')).toEqual([
      'logpulse_rejected_total',
      'logpulse_lines_total',
    ]);
    expect(metricNames('histogram_quantile(0.99, sum by (kind, le) (rate(x_bucket{a=~"b|c"}[5m]))) * 1e6 + up')).toEqual(['x_bucket', 'up']);
    expect(metricNames('sum(up{job="logpulse", instance=~"$instance"})')).toEqual(['up']);
  });
});

describe('the provisioning', () => {
  const compose = loadCompose(['docker-compose.yml'], {});

  it('names the Prometheus compose service as the data source every panel uses', () => {
    const ds = (parse(readFileSync(join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { uid: string; type: string; url: string }[] }).datasources;
    expect(ds).toHaveLength(1);
    expect(ds[0]!.url).toBe(`http://prometheus:${compose.services.prometheus!.ports![0]!.split(':').at(-1)}`);
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource, p.title).toEqual({ type: ds[0]!.type, uid: ds[0]!.uid });
      for (const t of p.targets ?? []) expect(t.datasource.uid, p.title).toBe(ds[0]!.uid);
    }
  });

  it('loads dashboards from where docker-compose.yml mounts deploy/grafana/dashboards, the home dashboard among them', () => {
    const providers = (parse(readFileSync(join(ROOT, 'deploy/grafana/provisioning/dashboards/logpulse.yml'), 'utf8')) as { providers: { options: { path: string } }[] }).providers;
    const mount = compose.services.grafana!.volumes!.find((v) => v.startsWith('./deploy/grafana/dashboards:'))!.split(':')[1]!;
    expect(providers[0]!.options.path).toBe(mount);
    expect(String(compose.services.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)).toBe(`${mount}/logpulse.json`);
    expect(dashboard.uid).toBe('logpulse');
  });
});
