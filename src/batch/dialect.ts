// The few SQL spellings that differ between the engines `logpulse batch` runs its views on (DuckDB, Spark 3.5), in
// one place. Everything else in the view SQL is written once, in forms both accept: CAST(.. AS ..), count(*) FILTER
// (WHERE ..), percentile_disc(p) WITHIN GROUP (ORDER BY ..), explicit NULLS LAST, the types INTEGER, BIGINT, DOUBLE,
// SMALLINT, BOOLEAN and STRING. What is left has no common spelling:
//   - µs since the epoch of a timestamp, and the timestamp of µs since the epoch (the minute and window keys are
//     computed on integers: on DuckDB, date_trunc on TIMESTAMPTZ goes through the ICU calendar per row, 4x slower);
//   - integer division (DuckDB's `/` of integers is a double; Spark has `div`, DuckDB `//`);
//   - the archive contract's types where the names differ (DuckDB VARCHAR and TIMESTAMPTZ, Spark STRING and
//     TIMESTAMP, which is Spark's instant type: Parquet TIMESTAMP(µs, UTC) both ways).
// String literals in the shared SQL are plain words (rule types): Spark reads `\` in a literal as an escape and
// `'it''s'` as two literals, so sql.ts's sqlString is only for DuckDB's text (file paths) and such words.
export interface Dialect {
  readonly name: 'duckdb' | 'spark';
  /** µs since the epoch of the instant `ts`, as BIGINT. */
  epochUs(ts: string): string;
  /** The instant `us` µs since the epoch (a BIGINT expression), in the engine's UTC timestamp type. */
  timestampOfUs(us: string): string;
  /** `a / b` of two integer expressions, truncated toward zero, as BIGINT. */
  intDiv(a: string, b: string): string;
  /** The engine's name of a type of the archive contract (records.ts gives DuckDB's names). */
  type(duckdbType: string): string;
}

export const DUCKDB: Dialect = {
  name: 'duckdb',
  epochUs: (ts) => `epoch_us(${ts})`,
  timestampOfUs: (us) => `CAST(make_timestamp(${us}) AS TIMESTAMPTZ)`,
  intDiv: (a, b) => `(${a} // ${b})`,
  type: (t) => t,
};

const SPARK_TYPES: Record<string, string> = { VARCHAR: 'STRING', TIMESTAMPTZ: 'TIMESTAMP' };

export const SPARK: Dialect = {
  name: 'spark',
  epochUs: (ts) => `unix_micros(${ts})`,
  timestampOfUs: (us) => `timestamp_micros(${us})`,
  intDiv: (a, b) => `(${a} div ${b})`,
  type: (t) => SPARK_TYPES[t] ?? t,
};
