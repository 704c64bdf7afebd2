// What computes a batch's views: the one part of a batch that differs between engines. batch.ts does the rest the
// same way for every engine with DuckDB (listing, the coverage, the records' count and first and last event time,
// each view's row count read back from its Parquet file, the publish), so two engines over one archive can only
// differ in the view files they write.
import type { DuckDBConnection } from '@duckdb/node-api';

import type { BATCH_ENGINES } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Dialect } from './dialect.js';
import type { Progress } from './progress.js';
import type { RecordsRange } from './records.js';
import type { ViewQuery } from './views.js';

export type BatchEngineName = (typeof BATCH_ENGINES)[number];

export interface ViewJob {
  /** Every view, in VIEWS order, as SQL in the engine's dialect over the relation `records`. */
  queries: readonly ViewQuery[];
  /** The archive files to read (absolute), and the range `records` is cut to. */
  files: readonly string[];
  range: RecordsRange;
  /** A view's run directory (it exists): the engine writes `<dir>/<view>.parquet` and `<dir>/<view>.csv` there. */
  dirOf(view: string): string;
  /** The batch's DuckDB session with `records` registered over `files` (for naming a file an engine failed to read). */
  conn: DuckDBConnection;
  /** One step per view as it starts (after the engine's setupSteps). */
  progress: Progress;
  log: Logger;
}

export interface ViewEngine {
  readonly name: BatchEngineName;
  readonly dialect: Dialect;
  /** Progress steps the engine reports before the first view (Spark: starting). */
  readonly setupSteps: number;
  /**
   * Writes every view. Throws LogpulseError: LP_ERR_BATCH_INPUT naming a file it could not read, LP_ERR_BATCH_OUTPUT
   * naming a path it could not write, LP_ERR_BATCH_ENGINE when the engine itself failed.
   */
  writeViews(job: ViewJob): Promise<void>;
}
