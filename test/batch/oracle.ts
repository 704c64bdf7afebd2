// The batch views computed in plain TypeScript from the records a test generated: the oracle the DuckDB views are
// compared with, row by row. Written from SPEC §5 and src/batch/thresholds.ts's definitions, not from the SQL.
import type { AlertRule } from '../../src/config/types.js';
import type { ArchiveRecord } from '../support/archive.js';

export interface OracleOptions {
  errorStatusMin: number;
  windowMs: number;
  rules: readonly AlertRule[];
  percentile: number;
}

function countBy<K>(records: readonly ArchiveRecord[], key: (r: ArchiveRecord) => K, isError: (r: ArchiveRecord) => boolean): Map<K, { n: number; errors: number }> {
  const m = new Map<K, { n: number; errors: number }>();
  for (const r of records) {
    const k = key(r);
    const c = m.get(k) ?? { n: 0, errors: 0 };
    c.n++;
    if (isError(r)) c.errors++;
    m.set(k, c);
  }
  return m;
}

/** Most first, then by key (as the views are ordered). */
const byCountThenKey = <T extends { n: number; key: string }>(a: T, b: T): number => b.n - a.n || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The smallest value v with at least P % of `values` <= v (DuckDB quantile_disc: index ceil(n·q) − 1). */
export function quantileDisc(values: number[], percentile: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(Math.ceil(values.length * (percentile / 100)) - 1, 0)]!;
}

export function oracle(records: readonly ArchiveRecord[], o: OracleOptions) {
  const isError = (r: ArchiveRecord): boolean => r.status >= o.errorStatusMin;
  const ip = [...countBy(records, (r) => r.ip, isError)].map(([key, c]) => ({ key, ...c })).sort(byCountThenKey);
  const url = [...countBy(records, (r) => r.url, isError)].map(([key, c]) => ({ key, ...c })).sort(byCountThenKey);
  const status = [...countBy(records, (r) => r.status, isError)].sort(([a], [b]) => a - b);
  const minute = [...countBy(records, (r) => Math.floor(r.timestampUs / 60_000_000) * 60_000, isError)].sort(([a], [b]) => a - b);
  const withAgent = records.filter((r) => r.userAgent !== null);
  const agents = [...countBy(withAgent, (r) => r.userAgent as string, isError)].map(([key, c]) => ({ key, ...c })).sort(byCountThenKey);

  const onTime = records.filter((r) => !r.late);
  const windowOf = (r: ArchiveRecord): number => Math.floor(r.timestampUs / (o.windowMs * 1000));
  const thresholds = o.rules.map((rule, i) => {
    let values: number[];
    if (rule.type === 'errors_per_status') {
      values = [...countBy(onTime.filter(isError), (r) => `${windowOf(r)}/${r.status}`, isError).values()].map((c) => c.n);
    } else {
      const group = rule.type === 'global_error_rate' ? () => '' : rule.type === 'url_error_rate' ? (r: ArchiveRecord) => r.url : (r: ArchiveRecord) => r.ip;
      values = [...countBy(onTime, (r) => `${windowOf(r)}/${group(r)}`, isError).values()]
        .filter((c) => c.n >= rule.minRequests)
        .map((c) => c.errors / c.n);
    }
    return [i, rule.type, quantileDisc(values, o.percentile), values.length, o.percentile, rule.threshold];
  });

  return {
    ip_stats: ip.map((c) => [c.key, c.n, c.errors]),
    url_stats: url.map((c) => [c.key, c.n, c.errors, c.errors / c.n]),
    status_stats: status.map(([s, c]) => [s, c.n]),
    minute_stats: minute.map(([m, c]) => [m, c.n, c.errors]),
    user_agent_stats: agents.map((c) => [c.key, c.n]),
    thresholds,
  };
}
