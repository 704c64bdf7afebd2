// The few SQL text helpers the batch layer needs. Only values the batch itself produces (paths, numbers from a
// validated config) are put into SQL text; every one goes through these.
import { type Dialect, DUCKDB } from './dialect.js';

/** A SQL string literal: `'it''s'`. */
export const sqlString = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** A finite number as a SQL literal (a config value; never NaN or Infinity). */
export function sqlNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`unreachable: ${n} in SQL`);
  return String(n);
}

/** µs since the epoch as a timestamp literal of `dialect` (DuckDB's TIMESTAMPTZ by default). */
export const sqlTimestamp = (us: number, dialect: Dialect = DUCKDB): string => dialect.timestampOfUs(sqlNumber(Math.trunc(us)));
