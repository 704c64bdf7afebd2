// The DuckDB session of one batch, and the rule for naming what failed: a failed read of the archive becomes
// LP_ERR_BATCH_INPUT naming the file (DuckDB's own message names it for most corruptions; otherwise each file is
// scanned alone until one fails), a failed write LP_ERR_BATCH_OUTPUT naming the path.
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import { LogpulseError } from '../errors.js';
import { probeSql } from './records.js';

export interface Session {
  conn: DuckDBConnection;
  close(): void;
}

export async function openSession(): Promise<Session> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  // Minutes and windows are UTC whatever the machine's zone.
  await conn.run("SET TimeZone = 'UTC'");
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** The first row of `sql` as plain JS values (BIGINT as bigint). */
export async function firstRow(conn: DuckDBConnection, sql: string): Promise<unknown[]> {
  const reader = await conn.runAndReadAll(sql);
  return (reader.getRowsJS()[0] ?? []) as unknown[];
}

/** The archive file a failed read was about: named in `message`, else the first that DuckDB cannot scan alone. */
export async function culprit(conn: DuckDBConnection, files: readonly string[], message: string): Promise<string | undefined> {
  const named = files.find((f) => message.includes(f));
  if (named !== undefined) return named;
  for (const file of files) {
    try {
      await conn.run(probeSql(file));
    } catch {
      return file;
    }
  }
  return undefined;
}

/** Runs a step that reads the archive; its failure is LP_ERR_BATCH_INPUT naming the file it was about. */
export async function reading<T>(conn: DuckDBConnection, files: readonly string[], step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof LogpulseError) throw err;
    const message = (err as Error).message;
    const file = await culprit(conn, files, message);
    const what = file === undefined ? 'cannot read the archive' : `cannot read ${file} (corrupt, or not in the archive's schema)`;
    throw new LogpulseError('LP_ERR_BATCH_INPUT', `${what}: ${message.split('\n')[0]}`, { path: file, cause: err });
  }
}
