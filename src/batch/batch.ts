// One batch: the archive's files → an engine (DuckDB in process, or Spark: engine.ts) → every view as Parquet and CSV
// in a new run directory → published as a whole (publish.ts) → older runs pruned. Everything but the views is done
// here with DuckDB for every engine: listing, coverage, the records' count and event times, the views' row counts.
//
// Every batch is a full recompute from the archive, not an increment over the previous batch: the archive changes
// under it in ways an increment would have to track (compaction replaces files, late records land in old hours,
// a restart rewrites a crashed cut), and the thresholds' quantiles cannot be merged from partial results anyway.
// A full recompute has no state to get wrong, and DuckDB makes it cheap: see README "Batch layer" for the time
// bench/batch.ts measured for 10 M records.
import { encodeCoverage } from '../archive/coverage.js';
import { archiveRelative, listArchiveFiles } from '../archive/files.js';
import { readProvenance } from '../archive/provenance.js';
import type { AlertRule } from '../config/types.js';
import type { Logger } from '../log.js';
import { DUCK_ENGINE } from './duck-engine.js';
import { firstRow, openSession, reading } from './duck.js';
import type { ViewEngine } from './engine.js';
import { type Manifest, readManifest } from './manifest.js';
import type { Progress } from './progress.js';
import { newBatchId, output, prepareRun, publishRun, pruneRuns, viewDir } from './publish.js';
import { batchQueries } from './queries.js';
import { recordsSql } from './records.js';
import { sqlString } from './sql.js';
import { VIEWS } from './views.js';

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
  /** What computes the views; DuckDB in this process by default. */
  engine?: ViewEngine;
}

/** Steps reported to the progress display: listing, the engine's own (batchSteps), one per view, publishing. */
export const BATCH_STEPS = VIEWS.length + 2;
export const batchSteps = (engine: ViewEngine): number => BATCH_STEPS + engine.setupSteps;

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** Runs a batch and publishes it; returns its manifest. Throws LogpulseError (LP_ERR_BATCH_INPUT / _OUTPUT / _ENGINE). */
export async function runBatch(o: BatchOptions): Promise<Manifest> {
  const started = Date.now();
  const batchId = newBatchId(new Date(started));
  const engine = o.engine ?? DUCK_ENGINE;
  const sinceUs = o.sinceMs === undefined ? undefined : o.sinceMs * 1000;
  const untilUs = o.untilMs === undefined ? undefined : o.untilMs * 1000;

  o.progress.step('listing the archive');
  const { files, hours } = await listArchiveFiles(o.archiveDir, { sinceUs, untilUs });
  o.log.info({ archive: o.archiveDir, files: files.length, hours, batchId, engine: engine.name }, 'batch: reading the archive');
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

    const dirOf = (view: string): string => viewDir(o.batchDir, batchId, view);
    const queries = batchQueries(o, engine.dialect);
    await engine.writeViews({ queries, files, range: { sinceUs, untilUs }, dirOf, conn, progress: o.progress, log: o.log });
    // Counted from the files written, whichever engine wrote them (a Parquet footer holds the count).
    const rows: Record<string, number> = {};
    for (const { name } of queries) {
      const path = `${dirOf(name)}/${name}.parquet`;
      rows[name] = Number((await output(path, 'read back', () => firstRow(conn, `SELECT count(*) FROM read_parquet(${sqlString(path)})`)))[0]);
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
      engine: engine.name,
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
