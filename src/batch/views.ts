// The batch views (SPEC §5), as SQL over the `records` relation. Every record counts, late ones included: the
// batch layer is the complete truth, the speed layer's windows are what was known in time.
import { type Dialect, DUCKDB } from './dialect.js';
import { sqlNumber } from './sql.js';

export interface ViewOptions {
  /** `pipeline.errorStatusMin`: a record with `status >=` it is an error. */
  errorStatusMin: number;
}

export interface ViewQuery {
  name: string;
  sql: string;
}

/** The views of every batch, in the order they are computed and listed; `thresholds` comes from thresholds.ts. */
export const STATS_VIEWS = ['ip_stats', 'url_stats', 'status_stats', 'minute_stats', 'user_agent_stats'] as const;
export const VIEWS = [...STATS_VIEWS, 'thresholds'] as const;
export type ViewName = (typeof VIEWS)[number];

/**
 * The stats views over `source` (a relation with the archive's columns), in SQL both engines run (dialect.ts; DuckDB
 * by default, as the stats API runs them). Rows are ordered (most requests first, then by key, nulls last) so files
 * diff well between batches, except `ip_stats` (see there). `minute` is the UTC minute as TIMESTAMPTZ (Parquet
 * TIMESTAMP(µs, UTC); CSV `2026-12-06 10:31:00+00`); `error_rate` is errors / requests, a fraction 0..1.
 */
export function statsViewQueries(source: string, o: ViewOptions, d: Dialect = DUCKDB): ViewQuery[] {
  const errors = `count(*) FILTER (WHERE status >= ${sqlNumber(o.errorStatusMin)})`;
  return [
    {
      name: 'ip_stats',
      // Not ordered: it has a row per client, and with seed-shaped traffic (a random address per request) sorting its
      // 10 M rows took 5.7 s of a 10.9 s view. Readers sort what they show (the API's `sort`).
      sql: `SELECT ip, count(*) AS nb_connexions, ${errors} AS errors FROM ${source} GROUP BY ip`,
    },
    {
      name: 'url_stats',
      sql:
        `SELECT url, count(*) AS requests, ${errors} AS errors, CAST(${errors} AS DOUBLE) / count(*) AS error_rate ` +
        `FROM ${source} GROUP BY url ORDER BY requests DESC, url NULLS LAST`,
    },
    { name: 'status_stats', sql: `SELECT status, count(*) AS count FROM ${source} GROUP BY status ORDER BY status NULLS LAST` },
    {
      name: 'minute_stats',
      sql:
        // Grouped on the integer minute: date_trunc on TIMESTAMPTZ goes through the ICU calendar per row (4x slower).
        `SELECT ${d.timestampOfUs('m * 60000000')} AS minute, requests, errors FROM (` +
        `SELECT ${d.intDiv(d.epochUs('timestamp'), '60000000')} AS m, count(*) AS requests, ${errors} AS errors FROM ${source} GROUP BY m) ` +
        `ORDER BY minute NULLS LAST`,
    },
    {
      name: 'user_agent_stats',
      sql:
        `SELECT user_agent, count(*) AS nb_connexions FROM ${source} WHERE user_agent IS NOT NULL ` +
        `GROUP BY user_agent ORDER BY nb_connexions DESC, user_agent`,
    },
  ];
}
