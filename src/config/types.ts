// The resolved configuration and what loading it takes and gives: the types every stage of config/ and every
// consumer of a config share. Kept apart from load.ts so the stages (interpolate, overrides, resolve) import
// types, not the loader that imports them.

import type { JsonField, JsonPreset, TIMESTAMP_UNITS } from './json-input.js';
import type { ConfigProblem } from './problems.js';
import type { BATCH_ENGINES, FORMATS, KAFKA_MECHANISMS, KAFKA_PROTOCOLS, LOG_FORMATS, LOG_LEVELS, RATE_RULE_TYPES, RULE_TYPES, STARTING_OFFSETS, THRESHOLDS_FROM } from './schema.js';
import type { WEBHOOK_FORMATS } from './schema-webhook.js';
import type { FileKind } from '../sinks/sink.js';

/** Command-line flags that override config keys (SPEC §1). Undefined = not given. */
export interface FlagOverrides {
  /** `--source URI` → `source` */
  source?: string;
  /** `--format F` → `format` */
  format?: string;
  /** `--output DIR` → `output.dir` */
  output?: string;
  /** `--checkpoint DIR` → `checkpoint.dir` */
  checkpoint?: string;
  /** `--no-api` → `api.enabled: false` (only `true` has an effect, so a CLI default never re-enables the API) */
  noApi?: boolean;
  /** `--workers N` → `pipeline.workers` (argv text is accepted) */
  workers?: number | string;
  /** `logpulse api --host H` → `api.host` */
  host?: string;
  /** `logpulse api --port P` → `api.port` (argv text is accepted) */
  port?: number | string;
}

/** Every kind of alert rule (SPEC §5): the config's `alerts.rules[].type`, an alert's `rule`. */
export type AlertRuleType = (typeof RULE_TYPES)[number];
/** The rules that compare a fraction (errors / requests) and need `minRequests`. */
export type RateRuleType = (typeof RATE_RULE_TYPES)[number];

/** One resolved alert rule: every field set (defaults applied). */
export type AlertRule =
  | { type: 'errors_per_status'; threshold: number }
  | { type: RateRuleType; threshold: number; minRequests: number };

/** How much of an output kind or of the archive is kept (README, Retention); 0: no limit. */
export interface RetentionLimits {
  maxAgeMs: number;
  /** Bytes. */
  maxSize: number;
}

/** The resolved configuration: every key present, durations as integer milliseconds (`…Ms`). */
export interface Config {
  source: string;
  format: (typeof FORMATS)[number];
  csv: { delimiter: string };
  json: { preset: JsonPreset | null; fields: Partial<Record<JsonField, string>>; timestampUnit: (typeof TIMESTAMP_UNITS)[number] };
  pipeline: {
    errorStatusMin: number;
    windowMs: number;
    watermarkMs: number;
    idleTimeoutMs: number;
    maxFutureSkewMs: number;
    maxUrlsPerWindow: number;
    workers: number;
    /** Resolved: `pipeline.parseThreads`, 0 made the machine's core count. */
    parseThreads: number;
    chunkBytes: number;
    maxInFlightChunks: number;
    readBuffers: number;
    workerCollectBytes: number;
  };
  /** `fileMode`, `dirMode`: the permission bits (numbers, from the octal strings). */
  /** `retention`: each kind's effective limits (its override, else the defaults). */
  output: { dir: string; rotateEveryMs: number; resultsEveryMs: number; fileMode: number; dirMode: number; retention: Record<FileKind, RetentionLimits> };
  console: { enabled: boolean; everyMs: number };
  alerts: {
    early: boolean;
    kafkaTopic: string;
    webhook: string | null;
    webhookFormat: (typeof WEBHOOK_FORMATS)[number];
    /** The name of the variable holding the HMAC secret (the secret itself is read from the environment by the sender). */
    webhookSecretEnv: string | null;
    rules: AlertRule[];
    /** Percentile (0 < P < 100) of the batch `thresholds` view. */
    thresholdsPercentile: number;
    thresholdsFrom: (typeof THRESHOLDS_FROM)[number];
    thresholdsMinWindows: number;
  };
  kafka: {
    /** From `kafka.brokers` as `host:port` (port 9092 when left out); null when not configured (a kafka:// source carries its own). */
    brokers: string[] | null;
    group: string;
    startingOffsets: (typeof STARTING_OFFSETS)[number];
    /** Credentials are not here: the Kafka client reads KAFKA_USERNAME / KAFKA_PASSWORD itself. */
    security: {
      protocol: (typeof KAFKA_PROTOCOLS)[number];
      mechanism: (typeof KAFKA_MECHANISMS)[number];
      caFile: string | null;
    };
  };
  /** `topic` empty: derived from the consumer group (src/cluster/state-topic.ts `stateTopicName`). */
  cluster: { enabled: boolean; topic: string; partitions: number; retentionMs: number };
  archive: { enabled: boolean; dir: string; retention: RetentionLimits };
  batch: { dir: string; engine: (typeof BATCH_ENGINES)[number]; sparkMaster: string; sparkSubmit: string };
  checkpoint: { dir: string };
  /** `token`: LOGPULSE_API_TOKEN if set and not empty, else `api.token`; null = no auth. Log via `redactConfig`. */
  api: { enabled: boolean; host: string; port: number; token: string | null; corsOrigins: string[] };
  limits: {
    maxLineBytes: number;
    maxConnections: number;
    /** 0: never. */
    idleTimeoutMs: number;
    maxBufferedBytes: number;
    /** 0: derived from the cgroup's memory limit, if any (src/daemon/memory-limit.ts). */
    maxMemory: number;
    rejectedPerSecond: number;
  };
  shutdownTimeoutMs: number;
  log: { level: (typeof LOG_LEVELS)[number]; format: (typeof LOG_FORMATS)[number] };
}

export type ConfigResult =
  | { ok: true; config: Config; /** the file read, null for the embedded default */ file: string | null }
  | { ok: false; code: 'LP_ERR_CONFIG' | 'LP_ERR_CONFIG_FILE'; problems: ConfigProblem[] };

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadOptions {
  overrides?: FlagOverrides;
  /** Environment for `${VAR}` and LOGPULSE_API_TOKEN; default `process.env`. */
  env?: Env;
}
