// The lambda query behind the stats endpoints: the published batch view plus the speed layer, i.e. every archived
// row the batch did not read, so that an answer covers every record archived so far, once.
//
// In one in-process DuckDB (its own threads, capped), one table per view, `merged_<v>`, keyed on the view's key:
// loaded from the published view when a new batch appears (manifest.json), then the aggregates of the rows the
// batch did not read are added to it (upsert) as the daemon publishes archive files. Only new cut files are read
// (provenance says which rows of a compacted file are new); the table is loaded again from the batch when a file
// the speed layer had read is gone (a crashed run's files are swept and re-archived). So a page is one top-N over
// one table, and the work done per archive cut is proportional to the cut, not to the batch. `from`/`to` (except
// minutes) and filters on other columns than the view's key are answered from the archive files (query.ts).
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import { type Coverage, coverageTest, encodeCoverage } from '../../archive/coverage.js';
import { archiveRelative, listArchiveFiles } from '../../archive/files.js';
import { readProvenance, type UnitRows } from '../../archive/provenance.js';
import { type Manifest, readManifest } from '../../batch/manifest.js';
import { viewDir } from '../../batch/publish.js';
import { RECORD_COLUMNS, recordsSql } from '../../batch/records.js';
import { sqlString, sqlTimestamp } from '../../batch/sql.js';
import { statsViewQueries } from '../../batch/views.js';
import type { Logger } from '../../log.js';
import { planSpeedRows, type RowRange } from './speed-rows.js';
import { STATS_SPECS, type StatsViewSpec, tableColumns, upsertSet } from './views.js';

export interface LambdaOptions {
  archiveDir: string;
  batchDir: string;
  /** `pipeline.errorStatusMin`. */
  errorStatusMin: number;
  /** DuckDB worker threads (inside the daemon: 1, the cores are the pipeline's). */
  threads: number;
  log: Logger;
}

/** What an answer was made of (in every response, so a reader knows how fresh it is). */
export interface LambdaState {
  batchId: string | null;
  batchCreatedAt: string | null;
  /** Records the speed layer adds to the batch. */
  speedRecords: number;
  /** When the archive was last looked at (ISO). */
  refreshedAt: string | null;
  /** Bumped whenever any answer may have changed (caches key on it). */
  generation: number;
}

const keyAndSums = (s: StatsViewSpec): string => [s.key, ...s.sums].join(', ');

export class LambdaStats {
  readonly #o: LambdaOptions;
  readonly #instance: DuckDBInstance;
  /** Refreshes write through this one; requests read through `reader` (DuckDB runs them side by side). */
  readonly #writer: DuckDBConnection;
  readonly reader: DuckDBConnection;
  readonly #provenance = new Map<string, UnitRows[]>();
  /** Units whose rows are in the merged tables (the speed layer so far). */
  #done = new Set<string>();
  #speedRecords = 0;
  #manifest: Manifest | null = null;
  #covered: (unit: string) => boolean = () => false;
  #state: LambdaState = { batchId: null, batchCreatedAt: null, speedRecords: 0, refreshedAt: null, generation: 0 };
  #refreshing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #asked = false;

  private constructor(o: LambdaOptions, instance: DuckDBInstance, writer: DuckDBConnection, reader: DuckDBConnection) {
    this.#o = o;
    this.#instance = instance;
    this.#writer = writer;
    this.reader = reader;
  }

  static async open(o: LambdaOptions): Promise<LambdaStats> {
    const instance = await DuckDBInstance.create(':memory:', { threads: String(o.threads) });
    const writer = await instance.connect();
    const reader = await instance.connect();
    for (const conn of [writer, reader]) await conn.run("SET TimeZone = 'UTC'");
    const stats = new LambdaStats(o, instance, writer, reader);
    await stats.#loadMerged(null);
    return stats;
  }

  get state(): Readonly<LambdaState> {
    return this.#state;
  }

  get errorStatusMin(): number {
    return this.#o.errorStatusMin;
  }

  get archiveDir(): string {
    return this.#o.archiveDir;
  }

  /**
   * Looks at the archive and the batch at once, then every `everyMs` while answers are asked for (`asked`): reading
   * what the daemon archived costs CPU per record, so a daemon whose stats nobody reads pays nothing for them, and
   * the first request after a quiet spell is answered from the last look while the next one is taken.
   */
  start(everyMs: number): Promise<void> {
    this.#timer = setInterval(() => {
      if (!this.#asked) return;
      this.#asked = false;
      void this.refresh();
    }, everyMs);
    this.#timer.unref();
    return this.refresh();
  }

  /** A request is being answered: keep the tables fresh. */
  asked(): void {
    this.#asked = true;
  }

  /** Brings the tables up to date with the archive and the published batch; one at a time. Never throws twice for one cause: failures are logged. */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#refreshing ??= this.#refresh()
      .catch((err: unknown) => {
        this.#o.log.warn({ err: (err as Error).message }, 'stats: the archive or the batch could not be read; answers keep the previous state');
      })
      .finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  /** Stops looking, waits for a look under way (its queries must not outlive the connections), then closes. */
  async close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#closed = true;
    await this.#refreshing;
    this.reader.closeSync();
    this.#writer.closeSync();
    this.#instance.closeSync();
  }

  /** SELECT of a view's key and sums over `records` (a SELECT of the archive's columns). */
  #viewSql(spec: StatsViewSpec, records: string): string {
    const q = statsViewQueries(`(${records})`, { errorStatusMin: this.#o.errorStatusMin }).find((v) => v.name === spec.view)!;
    return `SELECT ${keyAndSums(spec)} FROM (${q.sql})`;
  }

  async #refresh(): Promise<void> {
    let changed = await this.#loadBatch();
    const { files } = await listArchiveFiles(this.#o.archiveDir);
    const fresh = files.filter((f) => !this.#provenance.has(f));
    if (fresh.length > 0) {
      const units = await readProvenance(
        this.#writer,
        fresh.map((path) => ({ path, rel: archiveRelative(this.#o.archiveDir, path) })),
      );
      fresh.forEach((f, i) => this.#provenance.set(f, units[i]!));
    }
    const listed = new Set(files);
    for (const f of [...this.#provenance.keys()]) if (!listed.has(f)) this.#provenance.delete(f);

    const input = { files: files.map((path) => ({ path, units: this.#provenance.get(path)! })), covered: this.#covered, batchRanged: this.#batchRanged() };
    let plan = planSpeedRows({ ...input, done: this.#done });
    if ([...this.#done].some((u) => !plan.units.has(u))) {
      // A unit already counted is gone: start the speed layer over from the batch.
      this.#o.log.info({}, 'stats: archive files the speed layer had read are gone (a crashed run swept, or archive.retention deleted their hours); recounting');
      await this.#loadMerged(this.#manifest);
      plan = planSpeedRows(input);
      changed = true;
    }
    if (plan.ranges.length > 0) {
      await this.#addSpeedRows(plan.ranges);
      changed = true;
    }
    this.#done = plan.units;
    this.#state = {
      ...this.#state,
      speedRecords: this.#speedRecords,
      generation: this.#state.generation + (changed ? 1 : 0),
      refreshedAt: new Date().toISOString(),
    };
  }

  #batchRanged(): boolean {
    return this.#manifest !== null && (this.#manifest.since !== null || this.#manifest.until !== null);
  }

  /** Loads the published batch when it changed; true when it did. */
  async #loadBatch(): Promise<boolean> {
    const manifest = await readManifest(this.#o.batchDir);
    if ((manifest?.batchId ?? null) === (this.#manifest?.batchId ?? null)) return false;
    await this.#loadMerged(manifest);
    let coverage: Coverage = { parts: {}, others: [] };
    if (manifest !== null) {
      if (manifest.covered === undefined) {
        this.#o.log.warn({ batchId: manifest.batchId }, 'stats: this batch predates coverage lists; its input files stand for what it read (run `logpulse batch` again to be exact)');
      }
      coverage = manifest.covered ?? encodeCoverage(manifest.inputFiles);
    }
    this.#manifest = manifest;
    this.#covered = coverageTest(coverage);
    this.#state = { ...this.#state, batchId: manifest?.batchId ?? null, batchCreatedAt: manifest?.createdAt ?? null };
    this.#o.log.info({ batchId: manifest?.batchId ?? null }, 'stats: batch loaded');
    return true;
  }

  /** Reads the planned rows once and appends each view's aggregates of them. */
  async #addSpeedRows(ranges: RowRange[]): Promise<void> {
    const files = [...new Set(ranges.map((r) => r.path))];
    const selection = ranges.map((r) => `(${sqlString(r.path)}, ${r.lo}, ${r.hi}, ${r.outsideOnly})`).join(', ');
    const columns = RECORD_COLUMNS.map(([name, type]) => `CAST(r.${name} AS ${type}) AS ${name}`).join(', ');
    const m = this.#manifest;
    const since = m?.since == null ? null : Date.parse(m.since) * 1000;
    const until = m?.until == null ? null : Date.parse(m.until) * 1000;
    const inBatchRange = [
      ...(since === null ? [] : [`r.timestamp >= ${sqlTimestamp(since)}`]),
      ...(until === null ? [] : [`r.timestamp < ${sqlTimestamp(until)}`]),
    ];
    const outside = inBatchRange.length === 0 ? 'false' : `NOT (${inBatchRange.join(' AND ')})`;
    await this.#writer.run(
      `CREATE OR REPLACE TEMP TABLE speed_delta AS SELECT ${columns} ` +
        `FROM read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = true, filename = true, file_row_number = true) r ` +
        `JOIN (VALUES ${selection}) s(path, lo, hi, outside_only) ON r.filename = s.path AND r.file_row_number >= s.lo AND r.file_row_number < s.hi ` +
        `WHERE NOT s.outside_only OR ${outside}`,
    );
    for (const spec of STATS_SPECS) {
      await this.#writer.run(
        `INSERT INTO merged_${spec.view} SELECT ${tableColumns(spec)} FROM (${this.#viewSql(spec, 'SELECT * FROM speed_delta')}) ON CONFLICT (${spec.key}) DO UPDATE SET ${upsertSet(spec)}`,
      );
    }
    const [n] = (await this.#writer.runAndReadAll('SELECT count(*) FROM speed_delta')).getRowsJS()[0] ?? [0];
    this.#speedRecords += Number(n);
    await this.#writer.run('DROP TABLE speed_delta');
  }

  /** Each view's table as `manifest`'s batch has it (empty without one); the speed layer starts over. */
  async #loadMerged(manifest: Manifest | null): Promise<void> {
    for (const spec of STATS_SPECS) {
      const source =
        manifest === null
          ? this.#viewSql(spec, recordsSql([]))
          : `SELECT ${keyAndSums(spec)} FROM read_parquet(${sqlString(`${viewDir(this.#o.batchDir, manifest.batchId, spec.view)}/${spec.view}.parquet`)})`;
      // Built aside and swapped in, so requests meanwhile read the previous table whole.
      await this.#writer.run(`CREATE OR REPLACE TABLE loading_${spec.view} AS SELECT ${tableColumns(spec)} FROM (${source})`);
      await this.#writer.run(`ALTER TABLE loading_${spec.view} ADD PRIMARY KEY (${spec.key})`);
      await this.#writer.run(`BEGIN TRANSACTION; DROP TABLE IF EXISTS merged_${spec.view}; ALTER TABLE loading_${spec.view} RENAME TO merged_${spec.view}; COMMIT`);
    }
    this.#done = new Set();
    this.#speedRecords = 0;
  }
}
