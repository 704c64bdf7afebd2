// `logpulse batch [-c FILE] [--since ISO] [--until ISO]`: the batch views recomputed from the Parquet archive
// (`archive.dir`) and published under `batch.dir` (src/batch/). Exit 0, 2 for a bad config or flag, 1 when the
// archive cannot be read (a corrupt file: refused as a whole, never a silently partial view) or the views cannot
// be written (the previous batch stays published).
import { formatProblem } from '../config/problems.js';
import { loadConfig } from '../config/load.js';
import { BATCH_STEPS, runBatch } from '../batch/batch.js';
import { createProgress } from '../batch/progress.js';
import { LogpulseError } from '../errors.js';
import { setFileModes } from '../file-modes.js';
import { createLogger } from '../log.js';
import { redactText } from '../redact.js';

export interface BatchCommandOptions {
  config?: string;
  since?: string;
  until?: string;
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
    if (!(err instanceof LogpulseError)) throw err;
    process.stderr.write(`logpulse batch: ${redactText(err.message)}\n`);
    return err.exitCode;
  }
  const loaded = loadConfig(opts.config);
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
    return 2;
  }
  const config = loaded.config;
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
      progress: createProgress(BATCH_STEPS, log),
    });
    const { batchId, records, rows, durationMs, firstEventTime, cutoffEventTime } = manifest;
    log.info({ batchId, records, files: manifest.inputFiles.length, rows, firstEventTime, cutoffEventTime, durationMs, dir: config.batch.dir }, 'batch: published');
    return 0;
  } catch (err) {
    if (!(err instanceof LogpulseError)) throw err;
    log.error({ code: err.code, path: err.path }, err.message);
    return err.exitCode;
  }
}
