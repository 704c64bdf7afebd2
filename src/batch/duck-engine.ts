// The DuckDB engine: each view computed in the batch's own DuckDB session into a temp table, then COPY'd out as
// Parquet and as CSV with a header.
import type { DuckDBConnection } from '@duckdb/node-api';

import { DUCKDB } from './dialect.js';
import { reading } from './duck.js';
import type { ViewEngine } from './engine.js';
import { output } from './publish.js';
import { sqlString } from './sql.js';

/** Writes one computed view (a temp table) as `<view>.parquet` and `<view>.csv` into its run directory. */
async function writeView(conn: DuckDBConnection, dir: string, view: string): Promise<void> {
  for (const [ext, format] of [
    ['parquet', 'FORMAT parquet'],
    ['csv', 'FORMAT csv, HEADER true'],
  ] as const) {
    const path = `${dir}/${view}.${ext}`;
    await output(path, 'write', () => conn.run(`COPY ${view} TO ${sqlString(path)} (${format})`));
  }
}

export const DUCK_ENGINE: ViewEngine = {
  name: 'duckdb',
  dialect: DUCKDB,
  setupSteps: 0,
  async writeViews({ queries, files, dirOf, conn, progress }) {
    for (const q of queries) {
      progress.step(q.name);
      await reading(conn, files, () => conn.run(`CREATE TEMP TABLE ${q.name} AS ${q.sql}`));
      await writeView(conn, dirOf(q.name), q.name);
    }
  },
};
