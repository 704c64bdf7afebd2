// `logpulse batch [-c FILE] [--since ISO] [--until ISO] [--engine duckdb|spark] [--master URL]`: the batch views
// recomputed from the Parquet archive (`archive.dir`) and published under `batch.dir` (src/batch/). Exit 0, 2 for a
// bad config or flag, 1 when the archive cannot be read (a corrupt file: refused as a whole, never a silently
// partial view), the views cannot be written (the previous batch stays published) or Spark cannot run.
import { formatProblem } from '../config/problems.js';
import { loadConfig } from '../config/load.js';
import { batchSteps, runBatch } from '../batch/batch.js';
import { DUCK_ENGINE } from '../batch/duck-engine.js';
import type { BatchEngineName, ViewEngine } from '../batch/engine.js';
import { createProgress } from '../batch/progress.js';
import { sparkEngine } from '../batch/spark.js';
import type { Config } from '../config/types.js';
import { LogpulseError } from '../errors.js';
import { setFileModes } from '../file-modes.js';
import { createLogger } from '../log.js';
import { redactText } from '../redact.js';

export interface BatchCommandOptions {
  config?: string;
  since?: string;
  until?: string;
  /** `--engine`, over `batch.engine`. */
  engine?: BatchEngineName;
  /** `--master`, over `batch.sparkMaster`; only with the spark engine. */
  master?: string;
}

/** `2026-12-06` (UTC midnight) or a date-time with seconds optional and a zone required: `2026-12-06T10:00:00Z`, `…+01:00`. */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Milliseconds since the epoch of an ISO date-time flag; LP_ERR_ARGS naming the flag otherwise. */
export function parseInstant(flag: string, text: string): number {
  const ms = ISO.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) {
    throw new LogpulseError('LP_ERR_ARGS', `${flag}: must be an ISO 8601 date or date-time with a zone (2026-12-06 or 2026-12-06T10:00:00Z)`);
  }
  return ms;
}

/** The engine the flags and config ask for; LP_ERR_ARGS for a --master the DuckDB engine would ignore. */
export function chooseEngine(opts: BatchCommandOptions, batch: Config['batch']): ViewEngine {
  const name = opts.engine ?? batch.engine;
  if (name === 'duckdb') {
    if (opts.master !== undefined) throw new LogpulseError('LP_ERR_ARGS', '--master: only with --engine spark (or batch.engine: spark)');
    return DUCK_ENGINE;
  }
  return sparkEngine({ master: opts.master ?? batch.sparkMaster, sparkSubmit: batch.sparkSubmit });
}

export async function batchCommand(opts: BatchCommandOptions): Promise<number> {
  let sinceMs: number | undefined;
  let untilMs: number | undefined;
  try {
    sinceMs = opts.since === undefined ? undefined : parseInstant('--since', opts.since);
    untilMs = opts.until === undefined ? undefined : parseInstant('--until', opts.until);
    if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) {
      throw new LogpulseError('LP_ERR_ARGS', '--until: must be later than --since');
    }
  } catch (err) {
    return argumentError(err);
  }
  const loaded = loadConfig(opts.config);
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
    return 2;
  }
  const config = loaded.config;
  let engine: ViewEngine;
  try {
    engine = chooseEngine(opts, config.batch);
  } catch (err) {
    return argumentError(err);
  }
  setFileModes(config.output);
  const log = createLogger(config.log.level, config.log.format);
  try {
    const manifest = await runBatch({
      archiveDir: config.archive.dir,
      batchDir: config.batch.dir,
      sinceMs,
      untilMs,
      errorStatusMin: config.pipeline.errorStatusMin,
      windowMs: config.pipeline.windowMs,
      rules: config.alerts.rules,
      percentile: config.alerts.thresholdsPercentile,
      log,
      progress: createProgress(batchSteps(engine), log),
      engine,
    });
    const { batchId, records, rows, durationMs, firstEventTime, cutoffEventTime } = manifest;
    log.info(
      { batchId, engine: engine.name, records, files: manifest.inputFiles.length, rows, firstEventTime, cutoffEventTime, durationMs, dir: config.batch.dir },
      'batch: published',
    );
    return 0;
  } catch (err) {
    if (!(err instanceof LogpulseError)) throw err;
    log.error({ code: err.code, path: err.path }, err.message);
    return err.exitCode;
  }
}

/** A bad flag: said on stderr (no logger yet), exit 2. */
function argumentError(err: unknown): number {
  if (!(err instanceof LogpulseError)) throw err;
  process.stderr.write(`logpulse batch: ${redactText(err.message)}\n`);
  return err.exitCode;
}
