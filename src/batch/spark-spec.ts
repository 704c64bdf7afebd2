// What `logpulse batch --engine spark` hands its Spark driver (assets/spark/views.py) as SPEC.json: everything
// logpulse decided, so the driver only runs it. Paths are absolute: spark-submit runs in a directory of its own.
import { resolve } from 'node:path';

import { SPARK } from './dialect.js';
import type { ViewJob } from './engine.js';
import { recordsSchemaDdl, recordsSelect } from './records.js';

export interface SparkSpec {
  /** The archive files, as listArchiveFiles chose them (journal applied, hidden files left out). */
  files: string[];
  /** The archive contract as Spark DDL: the schema the files are read with. */
  schema: string;
  /** SELECT of `records` from the temp view `archive` of those files: casts and since/until as DuckDB's. */
  records: string;
  /** Every view: its SQL over `records` and the directory its `<name>.parquet` and `<name>.csv` go to. */
  views: Array<{ name: string; sql: string; dir: string }>;
}

export function sparkSpec(job: Pick<ViewJob, 'queries' | 'files' | 'range' | 'dirOf'>): SparkSpec {
  return {
    files: job.files.map((f) => resolve(f)),
    schema: recordsSchemaDdl(SPARK),
    records: recordsSelect('archive', job.range, SPARK),
    views: job.queries.map((q) => ({ name: q.name, sql: q.sql, dir: resolve(job.dirOf(q.name)) })),
  };
}
