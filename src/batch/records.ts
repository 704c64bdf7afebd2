// The `records` relation every view reads: the archive's files, in the archive's fixed schema, cut to the batch's
// time range. The file list is explicit (from archive/files.ts), never a glob, so the journal rule and the hidden
// temp files are decided in one place, and a file that appears while the batch runs is not half-read.
import { type Dialect, DUCKDB } from './dialect.js';
import { sqlString, sqlTimestamp } from './sql.js';

/** The archive's columns (the daemon's fixed contract), in order, with their DuckDB types (dialect.ts names Spark's). */
export const RECORD_COLUMNS = [
  ['timestamp', 'TIMESTAMPTZ'],
  ['ip', 'VARCHAR'],
  ['method', 'VARCHAR'],
  ['url', 'VARCHAR'],
  ['status', 'SMALLINT'],
  ['user_agent', 'VARCHAR'],
  ['referer', 'VARCHAR'],
  ['size', 'BIGINT'],
  ['late', 'BOOLEAN'],
  ['stream', 'VARCHAR'],
  ['shard', 'SMALLINT'],
] as const;

export interface RecordsRange {
  /** Inclusive, µs since the epoch. */
  sinceUs?: number;
  /** Exclusive, µs since the epoch. */
  untilUs?: number;
}

/**
 * SELECT of the records of `from` (a relation or table function with the archive's columns) in the range, each
 * column cast to the contract's type in `dialect`: the one definition of `records` both engines read.
 */
export function recordsSelect(from: string, range: RecordsRange, dialect: Dialect): string {
  const where = [
    ...(range.sinceUs === undefined ? [] : [`timestamp >= ${sqlTimestamp(range.sinceUs, dialect)}`]),
    ...(range.untilUs === undefined ? [] : [`timestamp < ${sqlTimestamp(range.untilUs, dialect)}`]),
  ];
  // The casts pin the contract's types: a file whose column cannot be read as one fails the batch instead of
  // changing a view's types.
  const columns = RECORD_COLUMNS.map(([name, type]) => `CAST(${name} AS ${dialect.type(type)}) AS ${name}`).join(', ');
  return `SELECT ${columns} FROM ${from}` + (where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`);
}

/** The contract as a Spark DDL schema (`timestamp TIMESTAMP, ip STRING, …`): how Spark is told to read the files. */
export const recordsSchemaDdl = (dialect: Dialect): string => RECORD_COLUMNS.map(([name, type]) => `\`${name}\` ${dialect.type(type)}`).join(', ');

/** DuckDB's SELECT of the records of `files` in the range; with no file, an empty relation of the same columns. */
export function recordsSql(files: readonly string[], range: RecordsRange = {}): string {
  if (files.length === 0) {
    return `SELECT ${RECORD_COLUMNS.map(([name, type]) => `NULL::${type} AS ${name}`).join(', ')} WHERE false`;
  }
  return recordsSelect(`read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = true)`, range, DUCKDB);
}

/** A scan of every column of one file, for finding which file a failed read was about. */
export function probeSql(file: string): string {
  const columns = RECORD_COLUMNS.map(([name, type]) => `count(CAST(${name} AS ${type}))`).join(', ');
  return `SELECT ${columns} FROM read_parquet([${sqlString(file)}])`;
}
