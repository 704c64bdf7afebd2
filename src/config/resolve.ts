// Resolution, the last stage: a validated file → the fully defaulted `Config`, durations in milliseconds.

import { availableParallelism } from 'node:os';

import { DEFAULT_DIR_MODE, DEFAULT_FILE_MODE, parseMode } from '../file-modes.js';
import { checkBrokerList } from '../sources/uri.js';
import { parseAge } from './age.js';
import { parseByteSize } from './byte-size.js';
import { parseDuration } from './duration.js';
import { DEFAULT_ERRORS_PER_STATUS_THRESHOLD, DEFAULT_MIN_REQUESTS, type ConfigFile } from './schema.js';
import type { AlertRule, Config, Env, RetentionLimits } from './types.js';
import type { FileKind } from '../sinks/sink.js';

/** The output kinds `output.retention` has an override for. */
const RETENTION_KINDS: readonly FileKind[] = ['errors', 'metrics', 'rejected', 'alerts', 'partials'];

type LimitsFile = { maxAge?: string | number; maxSize?: string | number };

/** Limits as written (already validated) → milliseconds and bytes, each missing one from `fallback`. */
function retentionLimits(f: LimitsFile | undefined, fallback: RetentionLimits): RetentionLimits {
  const age = f?.maxAge === undefined ? null : parseAge(f.maxAge);
  const size = f?.maxSize === undefined ? null : parseByteSize(f.maxSize);
  if ((age && !age.ok) || (size && !size.ok)) throw new Error('unreachable: a retention limit passed validation but not parsing');
  return { maxAgeMs: age?.ok ? age.ms : fallback.maxAgeMs, maxSize: size?.ok ? size.bytes : fallback.maxSize };
}

export function resolve(f: ConfigFile, env: Env): Config {
  const ms = (v: string | number): number => {
    const r = parseDuration(v);
    if (!r.ok) throw new Error(`unreachable: duration passed validation but not parsing (${r.message})`);
    return r.ms;
  };
  const brokers = (list: string): string[] => {
    const r = checkBrokerList(list);
    if (!r.ok) throw new Error(`unreachable: kafka.brokers passed validation but not parsing (${r.problem})`);
    return r.value;
  };
  const envToken = env.LOGPULSE_API_TOKEN;
  const token = envToken !== undefined && envToken !== '' ? envToken : f.api.token !== undefined && f.api.token !== '' ? f.api.token : null;
  return {
    source: f.source,
    format: f.format,
    csv: { delimiter: f.csv.delimiter },
    json: { preset: f.json.preset ?? null, fields: { ...f.json.fields }, timestampUnit: f.json.timestampUnit },
    pipeline: {
      errorStatusMin: f.pipeline.errorStatusMin,
      windowMs: ms(f.pipeline.window),
      watermarkMs: ms(f.pipeline.watermark),
      idleTimeoutMs: ms(f.pipeline.idleTimeout),
      maxFutureSkewMs: ms(f.pipeline.maxFutureSkew),
      maxUrlsPerWindow: f.pipeline.maxUrlsPerWindow,
      workers: f.pipeline.workers,
      parseThreads: f.pipeline.parseThreads === 0 ? Math.min(64, availableParallelism()) : f.pipeline.parseThreads,
      chunkBytes: f.pipeline.chunkBytes,
      maxInFlightChunks: f.pipeline.maxInFlightChunks,
      readBuffers: f.pipeline.readBuffers,
      workerCollectBytes: f.pipeline.workerCollectBytes,
    },
    output: {
      dir: f.output.dir,
      rotateEveryMs: ms(f.output.rotateEvery),
      resultsEveryMs: ms(f.output.resultsEvery),
      // Checked by the schema's file-mode / dir-mode formats.
      fileMode: parseMode(f.output.fileMode) ?? DEFAULT_FILE_MODE,
      dirMode: parseMode(f.output.dirMode) ?? DEFAULT_DIR_MODE,
      retention: outputRetention(f.output.retention),
    },
    console: { enabled: f.console.enabled, everyMs: ms(f.console.every) },
    alerts: {
      early: f.alerts.early,
      kafkaTopic: f.alerts.kafkaTopic,
      webhook: f.alerts.webhook ?? null,
      webhookFormat: f.alerts.webhookFormat,
      webhookSecretEnv: f.alerts.webhookSecretEnv ?? null,
      rules: f.alerts.rules.map((r): AlertRule =>
        r.type === 'errors_per_status'
          ? { type: r.type, threshold: r.threshold ?? DEFAULT_ERRORS_PER_STATUS_THRESHOLD }
          : { type: r.type, threshold: r.threshold as number, minRequests: r.minRequests ?? DEFAULT_MIN_REQUESTS[r.type] },
      ),
      thresholdsPercentile: f.alerts.thresholdsPercentile,
      thresholdsFrom: f.alerts.thresholdsFrom,
      thresholdsMinWindows: f.alerts.thresholdsMinWindows,
    },
    kafka: {
      brokers: f.kafka.brokers === undefined ? null : brokers(f.kafka.brokers),
      group: f.kafka.group,
      startingOffsets: f.kafka.startingOffsets,
      security: {
        protocol: f.kafka.security.protocol,
        mechanism: f.kafka.security.mechanism,
        caFile: f.kafka.security.caFile ?? null,
      },
    },
    cluster: { enabled: f.cluster.enabled, topic: f.cluster.topic, partitions: f.cluster.partitions, retentionMs: ms(f.cluster.retention) },
    archive: { enabled: f.archive.enabled, dir: f.archive.dir, retention: retentionLimits(f.archive.retention, { maxAgeMs: 0, maxSize: 0 }) },
    batch: { dir: f.batch.dir, engine: f.batch.engine, sparkMaster: f.batch.sparkMaster, sparkSubmit: f.batch.sparkSubmit },
    checkpoint: { dir: f.checkpoint.dir },
    api: { enabled: f.api.enabled, host: f.api.host, port: f.api.port, token, corsOrigins: f.api.corsOrigins },
    limits: {
      maxLineBytes: f.limits.maxLineBytes,
      maxConnections: f.limits.maxConnections,
      idleTimeoutMs: ms(f.limits.idleTimeout),
      maxBufferedBytes: f.limits.maxBufferedBytes,
      maxMemory: f.limits.maxMemory,
      rejectedPerSecond: f.limits.rejectedPerSecond,
    },
    shutdownTimeoutMs: ms(f.shutdownTimeout),
    log: { level: f.log.level, format: f.log.format },
  };
}

/** Each kind's effective limits: its override's keys, else the section's defaults. */
function outputRetention(r: ConfigFile['output']['retention']): Record<FileKind, RetentionLimits> {
  const defaults = retentionLimits(r, { maxAgeMs: 0, maxSize: 0 });
  return Object.fromEntries(RETENTION_KINDS.map((kind) => [kind, retentionLimits(r[kind], defaults)])) as Record<FileKind, RetentionLimits>;
}
