// The `thresholds` view: for each configured alert rule, the threshold at which it would have fired in at most
// (100 - P) % of the past (window, group) values — the data's own answer to "what is unusual here".
//
// The values are the ones the streaming alert engine compares with a rule's threshold, over the same tumbling,
// epoch-aligned windows of `pipeline.window`, and without late records: the engine never sees those, so a
// threshold learned from them would fire differently from what it was learned for.
//   errors_per_status  per (window, error status): the count of records
//   global_error_rate  per window with >= minRequests requests: errors / requests
//   url_error_rate     per (window, url) with >= minRequests requests: errors / requests
//   ip_error_rate      per (window, ip) likewise
// threshold = percentile_disc(P / 100) WITHIN GROUP (ORDER BY value), DuckDB's quantile_disc(value, P / 100): the
// smallest value v with at least P % of the values <= v, so "value > threshold" holds for at most (100 - P) % of
// them. NULL when the rule had no value at all.
import type { AlertRule } from '../config/types.js';
import { type Dialect, DUCKDB } from './dialect.js';
import { sqlNumber, sqlString } from './sql.js';

export interface ThresholdOptions {
  errorStatusMin: number;
  windowMs: number;
  /** `alerts.thresholdsPercentile`, 0 < P < 100. */
  percentile: number;
}

const COLUMNS = 'rule INTEGER, type STRING, threshold DOUBLE, windows BIGINT, percentile DOUBLE, configured_threshold DOUBLE';

/** The values of one rule: one row `value` per (window, group) the engine would have evaluated. */
function valuesSql(rule: AlertRule, onTime: string, o: ThresholdOptions, d: Dialect): string {
  const errorMin = sqlNumber(o.errorStatusMin);
  const window = d.intDiv(d.epochUs('timestamp'), sqlNumber(o.windowMs * 1000));
  if (rule.type === 'errors_per_status') {
    return `SELECT CAST(count(*) AS DOUBLE) AS value FROM ${onTime} WHERE status >= ${errorMin} GROUP BY ${window}, status`;
  }
  const group = { global_error_rate: [], url_error_rate: ['url'], ip_error_rate: ['ip'] }[rule.type];
  return (
    `SELECT CAST(count(*) FILTER (WHERE status >= ${errorMin}) AS DOUBLE) / count(*) AS value FROM ${onTime} ` +
    `GROUP BY ${[window, ...group].join(', ')} HAVING count(*) >= ${sqlNumber(rule.minRequests)}`
  );
}

/**
 * The `thresholds` view over `source` (a relation with the archive's columns): one row per rule, in rule order. In
 * SQL both engines run (dialect.ts); percentile_disc is DuckDB's quantile_disc, and Spark 3.5's picks the same value.
 */
export function thresholdsSql(rules: readonly AlertRule[], source: string, o: ThresholdOptions, d: Dialect = DUCKDB): string {
  if (rules.length === 0) {
    const nulls = COLUMNS.split(', ').map((c) => {
      const [name, type] = c.split(' ');
      return `CAST(NULL AS ${type}) AS ${name}`;
    });
    return `SELECT ${nulls.join(', ')} WHERE false`;
  }
  const onTime = `(SELECT timestamp, ip, url, status FROM ${source} WHERE late IS NOT TRUE)`;
  const fraction = `CAST(${sqlNumber(o.percentile)} AS DOUBLE) / 100`;
  const double = (n: number): string => `CAST(${sqlNumber(n)} AS DOUBLE)`;
  return rules
    .map(
      (rule, i) =>
        `SELECT CAST(${i} AS INTEGER) AS rule, CAST(${sqlString(rule.type)} AS STRING) AS type, ` +
        `CAST(percentile_disc(${fraction}) WITHIN GROUP (ORDER BY value) AS DOUBLE) AS threshold, count(value) AS windows, ` +
        `${double(o.percentile)} AS percentile, ${double(rule.threshold)} AS configured_threshold ` +
        `FROM (${valuesSql(rule, onTime, o, d)})`,
    )
    .join(' UNION ALL ') + ' ORDER BY rule';
}
