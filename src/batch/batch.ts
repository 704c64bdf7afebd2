// One batch: the archive's files → DuckDB → every view as Parquet and CSV in a new run directory → published as a
// whole (publish.ts) → older runs pruned.
//
// Every batch is a full recompute from the archive, not an increment over the previous batch: the archive changes
// under it in ways an increment would have to track (compaction replaces files, late records land in old hours,
// a restart rewrites a crashed cut), and the thresholds' quantiles cannot be merged from partial results anyway.
// A full recompute has no state to get wrong, and DuckDB makes it cheap: see README "Batch layer" for the time
// bench/batch.ts measured for 10 M records.
import type { DuckDBConnection } from '@duckdb/node-api';

import { encodeCoverage } from '../archive/coverage.js';
import { archiveRelative, listArchiveFiles } from '../archive/files.js';
import { readProvenance } from '../archive/provenance.js';
import type { AlertRule } from '../config/types.js';
import type { Logger } from '../log.js';
import { firstRow, openSession, reading } from './duck.js';
import { type Manifest, readManifest } from './manifest.js';
import type { Progress } from './progress.js';
import { newBatchId, output, prepareRun, publishRun, pruneRuns, viewDir } from './publish.js';
import { recordsSql } from './records.js';
import { sqlString } from './sql.js';
import { thresholdsSql } from './thresholds.js';
import { statsViewQueries, type ViewQuery, VIEWS } from './views.js';

export interface BatchOptions {
  archiveDir: string;
  batchDir: string;
  /** Inclusive lower bound of event time, ms since the epoch. */
  sinceMs?: number;
  /** Exclusive upper bound of event time, ms since the epoch. */
  untilMs?: number;
  errorStatusMin: number;
  windowMs: number;
  rules: readonly AlertRule[];
  /** `alerts.thresholdsPercentile`. */
  percentile: number;
  log: Logger;
  progress: Progress;
}

/** Steps reported to the progress display: listing, one per view, publishing. */
export const BATCH_STEPS = VIEWS.length + 2;

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

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

/** Runs a batch and publishes it; returns its manifest. Throws LogpulseError (LP_ERR_BATCH_INPUT / _OUTPUT). */
export async function runBatch(o: BatchOptions): Promise<Manifest> {
  const started = Date.now();
  const batchId = newBatchId(new Date(started));
  const sinceUs = o.sinceMs === undefined ? undefined : o.sinceMs * 1000;
  const untilUs = o.untilMs === undefined ? undefined : o.untilMs * 1000;

  o.progress.step('listing the archive');
  const { files, hours } = await listArchiveFiles(o.archiveDir, { sinceUs, untilUs });
  o.log.info({ archive: o.archiveDir, files: files.length, hours, batchId }, 'batch: reading the archive');
  const previous = await output(o.batchDir, 'read the manifest in', () => readManifest(o.batchDir));
  await prepareRun(o.batchDir, batchId, VIEWS);

  const session = await openSession();
  try {
    const { conn } = session;
    // Binding read_parquet reads every file's footer: a corrupt file can fail here already.
    await reading(conn, files, () => conn.run(`CREATE TEMP VIEW records AS ${recordsSql(files, { sinceUs, untilUs })}`));
    // The cut files read (a compacted file's from its footer): the API's speed layer adds every other row.
    const provenance = await readProvenance(conn, files.map((path) => ({ path, rel: archiveRelative(o.archiveDir, path) })));
    const covered = encodeCoverage(provenance.flatMap((units) => units.map((u) => u.unit)));
    // The first event time says what period the batch covers: archive.retention may have deleted older hours.
    const [count, cutoff, first] = await reading(conn, files, () =>
      firstRow(conn, "SELECT count(*), strftime(max(timestamp), '%Y-%m-%dT%H:%M:%S.%fZ'), strftime(min(timestamp), '%Y-%m-%dT%H:%M:%S.%fZ') FROM records"),
    );
    const records = Number(count);
    if (records === 0) o.log.info({ archive: o.archiveDir, files: files.length }, 'batch: no records in the archive for this range; the views are empty');

    const queries: ViewQuery[] = [
      ...statsViewQueries('records', { errorStatusMin: o.errorStatusMin }),
      {
        name: 'thresholds',
        sql: thresholdsSql(o.rules, 'records', { errorStatusMin: o.errorStatusMin, windowMs: o.windowMs, percentile: o.percentile }),
      },
    ];
    const rows: Record<string, number> = {};
    for (const q of queries) {
      o.progress.step(q.name);
      await reading(conn, files, () => conn.run(`CREATE TEMP TABLE ${q.name} AS ${q.sql}`));
      rows[q.name] = Number((await firstRow(conn, `SELECT count(*) FROM ${q.name}`))[0]);
      await writeView(conn, viewDir(o.batchDir, batchId, q.name), q.name);
    }

    o.progress.step('publishing');
    const manifest: Manifest = {
      batchId,
      createdAt: new Date(started).toISOString(),
      firstEventTime: typeof first === 'string' ? first : null,
      cutoffEventTime: typeof cutoff === 'string' ? cutoff : null,
      since: iso(o.sinceMs),
      until: iso(o.untilMs),
      inputFiles: files.map((f) => archiveRelative(o.archiveDir, f)),
      covered,
      rows,
      records,
      durationMs: Date.now() - started,
      mode: 'full',
    };
    await publishRun(o.batchDir, manifest, VIEWS);
    const pruned = await output(o.batchDir, 'prune old runs in', () => pruneRuns(o.batchDir, batchId, previous?.batchId ?? null));
    if (pruned.length > 0) o.log.debug({ pruned }, 'batch: old runs deleted');
    return manifest;
  } finally {
    session.close();
    o.progress.end();
  }
}
