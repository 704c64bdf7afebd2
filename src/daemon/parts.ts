// What a config turns into for the parts a daemon wires together: the pipeline's options, the per-group counts its
// rules need, the thresholds watcher. Shared by a daemon's start and by a reload (which compares what two configs
// would build).
import type { AlertRule, Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { ShardOptions } from '../native.js';
import type { Pipeline, PipelineOptions, PipelineTotals } from '../pipeline/pipeline.js';
import type { ArchiveKeeper } from './archive.js';
import { BatchThresholds } from './batch-thresholds.js';
import { MAX_PENDING_OUTPUT_BYTES, type Outputs } from './outputs.js';

/** How often `alerts.thresholdsFrom: batch` looks for a new batch. */
const BATCH_CHECK_MS = 5000;

/**
 * Per-group counts cost memory (an IP map grows with distinct clients): the shards keep them only for a configured
 * rule that needs them. A change of these is a change of the shards' options.
 */
export function ruleTracking(rules: readonly AlertRule[]): { trackUrlCounts: boolean; trackIpCounts: boolean } {
  return { trackUrlCounts: rules.some((r) => r.type === 'url_error_rate'), trackIpCounts: rules.some((r) => r.type === 'ip_error_rate') };
}

/** `json.*` as the shards take it (the binding spells `user_agent` in camelCase). */
function jsonOptions(j: Config['json']): NonNullable<ShardOptions['json']> {
  const { user_agent: userAgent, ...rest } = j.fields;
  return { ...(j.preset ? { preset: j.preset } : {}), fields: { ...rest, ...(userAgent === undefined ? {} : { userAgent }) }, timestampUnit: j.timestampUnit };
}

/**
 * The pipeline a config describes, writing to `output`; `totals`: counted so far by the pipelines before it;
 * `memoryOver`: the daemon's memory guard (memory-guard.ts).
 */
export function pipelineOptions(c: Config, output: Outputs, archive: ArchiveKeeper | null, totals?: PipelineTotals, memoryOver?: () => boolean): PipelineOptions {
  const p = c.pipeline;
  return {
    shards: p.workers,
    shardOptions: {
      errorStatusMin: p.errorStatusMin,
      windowMs: p.windowMs,
      watermarkMs: p.watermarkMs,
      idleTimeoutMs: p.idleTimeoutMs,
      maxFutureSkewMs: p.maxFutureSkewMs,
      maxUrlsPerWindow: p.maxUrlsPerWindow,
      maxLineBytes: c.limits.maxLineBytes,
      format: c.format,
      csvDelimiter: c.csv.delimiter,
      json: jsonOptions(c.json),
      parseThreads: p.parseThreads,
      ...ruleTracking(c.alerts.rules),
    },
    chunkBytes: p.chunkBytes,
    maxInFlightChunks: p.maxInFlightChunks,
    workerCollectBytes: p.workerCollectBytes,
    lingerMs: 20,
    tickMs: 1000,
    rules: c.alerts.rules,
    earlyAlerts: c.alerts.early,
    output,
    maxPendingOutputBytes: MAX_PENDING_OUTPUT_BYTES,
    maxBufferedBytes: c.limits.maxBufferedBytes,
    ...(archive ? { archive: archive.shardOptions } : {}),
    ...(totals ? { totals } : {}),
    ...(memoryOver ? { memoryOver } : {}),
  };
}

/** `alerts.thresholdsFrom: batch`: the watcher that applies the batch layer's thresholds to `pipeline`; else null. */
export function batchThresholds(c: Config, pipeline: Pipeline, log: Logger): BatchThresholds | null {
  if (c.alerts.thresholdsFrom !== 'batch') return null;
  return new BatchThresholds({
    batchDir: c.batch.dir,
    rules: c.alerts.rules,
    minWindows: c.alerts.thresholdsMinWindows,
    everyMs: BATCH_CHECK_MS,
    apply: (t) => pipeline.setThresholds(t),
    log,
  });
}
