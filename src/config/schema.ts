// The config file's schema (SPEC §7). The descriptions are the config reference: README's key table is generated
// from them (config-keys.ts), so a key is documented here or nowhere. Unknown keys are errors everywhere
// (`additionalProperties: false`), like Vector's deny_unknown_fields: a typo must not silently fall back to a default.

import { Type, type Static } from '@sinclair/typebox';

import { Duration, PermissionMode, Section, StringEnum } from './schema-helpers.js';
import { JSON_SECTION } from './schema-json.js';
import { LIMITS_SECTION } from './schema-limits.js';
import { PIPELINE_SECTION } from './schema-pipeline.js';
import { CLUSTER_SECTION } from './schema-cluster.js';
import { ARCHIVE_RETENTION_SECTION, OUTPUT_RETENTION_SECTION } from './schema-retention.js';
import { WEBHOOK_KEYS } from './schema-webhook.js';

// Moved to schema-pipeline.ts with the section; re-exported so that every import of them from here still works.
export { DEFAULT_CHUNK_BYTES, DEFAULT_MAX_URLS_PER_WINDOW, DEFAULT_READ_BUFFERS } from './schema-pipeline.js';

export const FORMATS = ['json', 'csv', 'clf', 'auto'] as const;
export const RATE_RULE_TYPES = ['global_error_rate', 'url_error_rate', 'ip_error_rate'] as const;
/** Every alert rule type (config/types.ts derives AlertRuleType from it). */
export const RULE_TYPES = ['errors_per_status', ...RATE_RULE_TYPES] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export const KAFKA_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export const KAFKA_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export const STARTING_OFFSETS = ['earliest', 'latest'] as const;
/** Where the daemon takes its alert thresholds from: the rules as configured, or the batch layer's `thresholds` view. */
export const THRESHOLDS_FROM = ['config', 'batch'] as const;
/** What `logpulse batch` computes its views with (src/batch/engine.ts). */
export const BATCH_ENGINES = ['duckdb', 'spark'] as const;
/** `batch.sparkMaster` when not configured: Spark in the batch's own process tree, on two cores. */
export const DEFAULT_SPARK_MASTER = 'local[2]';

/** `minRequests` of each rate rule when not configured: below it a group's rate is too noisy to alert on. */
export const DEFAULT_MIN_REQUESTS = { global_error_rate: 1, url_error_rate: 5, ip_error_rate: 3 } as const;
/** `threshold` of an `errors_per_status` rule when not configured: the seed job's `error_count > 100`. */
export const DEFAULT_ERRORS_PER_STATUS_THRESHOLD = 100;
/** `kafka.group` and `kafka.startingOffsets`: also what a kafka:// source built without a config uses. */
export const DEFAULT_KAFKA_GROUP = 'logpulse';
export const DEFAULT_STARTING_OFFSETS = 'latest';

export const AlertRuleSchema = Type.Object(
  {
    type: StringEnum(RULE_TYPES, {
      description:
        'What the rule measures, per window: `errors_per_status` (error count of one status), `global_error_rate` ' +
        '(errors / requests), `url_error_rate` (per URL) or `ip_error_rate` (per client IP).',
    }),
    threshold: Type.Optional(
      Type.Number({
        description:
          'The alert fires when the value goes above it. `errors_per_status`: a count, an integer >= 0 (default 100). ' +
          'Rate rules: a fraction between 0 and 1 (e.g. 0.025 for 2.5 %), required.',
      }),
    ),
    minRequests: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Rate rules only: a group (the window, a URL, an IP) is not evaluated before this many requests. ' +
          'Defaults: global_error_rate 1, url_error_rate 5, ip_error_rate 3.',
      }),
    ),
  },
  { additionalProperties: false, description: 'One alert rule, evaluated per window; fires at most once per (rule, window, group).' },
);

export const ConfigSchema = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      default: 'generator:',
      description:
        'Where logs come from: `generator:`, `stdin:`, `file:PATH` (`?follow=true` to tail), `tcp://HOST:PORT` (connect), ' +
        '`tcp-listen://HOST:PORT` (accept producers) or `kafka://BROKERS/TOPIC[?group=G&startingOffsets=earliest|latest&endingOffsets=latest]`. Flag: `--source`.',
    }),
    format: StringEnum(FORMATS, {
      default: 'auto',
      description: 'Input line format; `auto` detects JSON, CSV or CLF per line. Flag: `--format`.',
    }),
    csv: Section(
      {
        delimiter: Type.String({
          default: ';',
          description: 'Field separator of CSV input: one ASCII character, not a newline.',
        }),
      },
      'CSV input (`timestamp;ip;method;url;status`, no header).',
    ),
    json: JSON_SECTION,
    pipeline: PIPELINE_SECTION,
    output: Section(
      {
        dir: Type.String({
          minLength: 1,
          default: 'output',
          description: 'Root of errors/, metrics/, rejected/, alerts/ and results.txt; relative to the working directory. Flag: `--output`.',
        }),
        rotateEvery: Duration('10s', 'How often output files are completed (fsynced and renamed from `.part`).'),
        resultsEvery: Duration('60s', 'How often a line is appended to results.txt.'),
        fileMode: PermissionMode('file-mode', '0640', 'every file the daemon and `logpulse batch` create (outputs, checkpoint, webhook queue, archive, batch views, pid file); the owner must have read and write.'),
        dirMode: PermissionMode('dir-mode', '0750', 'every directory they create (output, checkpoint, archive and batch directories); the owner must have read, write and search.'),
        retention: OUTPUT_RETENTION_SECTION,
      },
      'Output files.',
    ),
    console: Section(
      {
        enabled: Type.Boolean({ default: true, description: 'Print the window table and alerts on stdout.' }),
        every: Duration('10s', 'How often the table of windows updated since the last tick is printed.'),
      },
      'Console table.',
    ),
    alerts: Section(
      {
        early: Type.Boolean({
          default: true,
          description: 'Fire as soon as a running count crosses the threshold, without waiting for the window to close.',
        }),
        kafkaTopic: Type.String({
          minLength: 1,
          default: 'alerts',
          description: 'Kafka topic alerts are produced to (JSON, keyed by rule) when brokers are known: a `kafka://` source\'s, or `kafka.brokers`.',
        }),
        ...WEBHOOK_KEYS,
        rules: Type.Array(AlertRuleSchema, {
          default: [{ type: 'errors_per_status', threshold: DEFAULT_ERRORS_PER_STATUS_THRESHOLD }],
          description: 'Alert rules; the rate rules are enabled by listing them. An empty list disables alerts.',
        }),
        thresholdsPercentile: Type.Number({
          exclusiveMinimum: 0,
          exclusiveMaximum: 100,
          default: 99,
          description:
            'Percentile P (0 < P < 100) of the batch layer\'s `thresholds` view: each rule\'s threshold is the smallest value ' +
            'at least P % of past (window, group) values are <= to, so alerts at it fire in at most (100 - P) % of them.',
        }),
        thresholdsFrom: StringEnum(THRESHOLDS_FROM, {
          default: 'config',
          description:
            'Where the daemon takes alert thresholds from: `config` (each rule\'s `threshold`) or `batch` (the latest ' +
            '`thresholds` view written by `logpulse batch`, for the rules it has enough values for).',
        }),
        thresholdsMinWindows: Type.Integer({
          minimum: 1,
          default: 100,
          description:
            'With `thresholdsFrom: batch`, a rule whose batch threshold is based on fewer (window, group) values than this keeps its configured threshold.',
        }),
      },
      'Alert rules and sinks.',
    ),
    kafka: Section(
      {
        brokers: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              'Comma-separated `host` or `host:port` list (port 9092 when left out), for the alerts topic when the source is not Kafka ' +
              '(a `kafka://` source carries its own brokers). Unset by default.',
          }),
        ),
        group: Type.String({
          minLength: 1,
          default: DEFAULT_KAFKA_GROUP,
          description: 'Consumer group (a `?group=` in the source URI wins).',
        }),
        startingOffsets: StringEnum(STARTING_OFFSETS, {
          default: DEFAULT_STARTING_OFFSETS,
          description: 'Where a group without committed offsets starts reading (as Spark\'s startingOffsets).',
        }),
        security: Section(
          {
            protocol: StringEnum(KAFKA_PROTOCOLS, { default: 'PLAINTEXT', description: 'Kafka security protocol.' }),
            mechanism: StringEnum(KAFKA_MECHANISMS, {
              default: 'PLAIN',
              description: 'SASL mechanism, used with SASL_PLAINTEXT and SASL_SSL.',
            }),
            caFile: Type.Optional(
              Type.String({
                minLength: 1,
                description: 'PEM file of the CA that signed the brokers\' certificates (SSL, SASL_SSL). Unset: the system CAs.',
              }),
            ),
          },
          'TLS and SASL. Credentials are never read from this file: set KAFKA_USERNAME and KAFKA_PASSWORD in the environment.',
        ),
      },
      'Kafka client settings shared by the source and the alerts producer.',
    ),
    cluster: CLUSTER_SECTION,
    archive: Section(
      {
        enabled: Type.Boolean({ default: false, description: 'Archive every valid record as Parquet (the batch layer\'s input).' }),
        dir: Type.String({
          minLength: 1,
          default: 'data/logs',
          description: 'Archive root; files go under `date=YYYY-MM-DD/hour=HH/`.',
        }),
        retention: ARCHIVE_RETENTION_SECTION,
      },
      'Parquet archive of all valid records.',
    ),
    batch: Section(
      {
        dir: Type.String({
          minLength: 1,
          default: 'data/batch',
          description:
            'Where `logpulse batch` writes its views (`<view>/` as Parquet and CSV) and `manifest.json`; relative to the working directory.',
        }),
        engine: StringEnum(BATCH_ENGINES, {
          default: 'duckdb',
          description:
            'What computes the views: `duckdb` (in process) or `spark` (`spark-submit` of the same view SQL, which needs ' +
            'Spark 3.5 and Java; the archive and `batch.dir` must be at the same paths wherever Spark runs). Flag: `--engine`.',
        }),
        sparkMaster: Type.String({
          minLength: 1,
          default: DEFAULT_SPARK_MASTER,
          description: 'With `engine: spark`: the master URL `spark-submit --master` gets (`local[N]`, `spark://HOST:7077`, `yarn`, …). Flag: `--master`.',
        }),
        sparkSubmit: Type.String({
          minLength: 1,
          default: 'spark-submit',
          description:
            'With `engine: spark`: the `spark-submit` command, a path or a name looked up on PATH (`scripts/spark-install` ' +
            'in a clone installs pyspark into a venv and prints the path of its spark-submit).',
        }),
      },
      'Batch layer (`logpulse batch`): views recomputed from the archive.',
    ),
    checkpoint: Section(
      {
        dir: Type.String({
          minLength: 1,
          default: 'checkpoint',
          description: 'Where open windows and source positions are saved across restarts. Flag: `--checkpoint`.',
        }),
      },
      'Checkpoints.',
    ),
    api: Section(
      {
        enabled: Type.Boolean({ default: true, description: 'Serve the HTTP API (health, readiness, metrics, docs, stats, windows, alerts, the live feed and the dashboard at `/`) inside `run`. Flag: `--no-api`.' }),
        host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the API listens on.' }),
        port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080, description: 'API port; 0 picks a free one.' }),
        corsOrigins: Type.Array(Type.String({ minLength: 1, pattern: '^(\\*|https?://[^/\\s]+)$' }), {
          default: [],
          description:
            'Browser origins allowed to call the API from pages served elsewhere (CORS), e.g. `https://grafana.example.com`; `*` allows any. ' +
            'Empty (default): no CORS headers (the dashboard at `/` is same-origin and needs none).',
        }),
        token: Type.Optional(
          Type.String({
            description:
              'Bearer token required by the API. Prefer the LOGPULSE_API_TOKEN environment variable, which wins ' +
              'over this key. Unset by default (no auth).',
          }),
        ),
      },
      'HTTP API and dashboard.',
    ),
    limits: LIMITS_SECTION,
    shutdownTimeout: Duration('10s', 'On SIGTERM/SIGINT, the time allowed to flush, commit and checkpoint before exiting.'),
    log: Section(
      {
        level: StringEnum(LOG_LEVELS, { default: 'info', description: 'Least severe daemon log level written to stderr.' }),
        format: StringEnum(LOG_FORMATS, {
          default: 'auto',
          description:
            '`json`: one JSON object per line (for machines); `pretty`: one readable line each (time, coloured level, message, key=value fields; no colour under `NO_COLOR`); `auto`: pretty when stderr is a terminal, else json. Secrets are redacted in both. Read at start: a reload keeps the running format.',
        }),
      },
      'Daemon logs on stderr.',
    ),
  },
  { additionalProperties: false, title: 'logpulse configuration', description: 'The logpulse config file (YAML or JSON).' },
);

/** The config file's content after defaults were applied (durations still as written). */
export type ConfigFile = Static<typeof ConfigSchema>;
export type AlertRuleFile = Static<typeof AlertRuleSchema>;
