// The series a running daemon exports on `/metrics` (README, HTTP API): each one read when scraped from numbers
// its owner keeps anyway — the pipeline's totals, the backpressure's queues and pauses, the outputs' backlog, the
// Kafka consumer's watermarks, the webhook's delivery counts, the instruments (instruments.ts) — so a scrape costs
// the daemon nothing between scrapes and the hot path counts nothing twice.
import type { Registry } from 'prom-client';

import { counterOf, gaugeOf, labelledCounterOf, labelledGaugeOf, type Samples } from '../api/metrics.js';
import type { ClusterMember } from '../cluster/member.js';
import type { AlertRule, Config } from '../config/types.js';
import type { Counters } from '../native.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { WebhookDelivery } from '../sinks/webhook.js';
import { sourceKindOf } from '../sources/create-source.js';
import type { Source } from '../sources/source.js';
import type { Generation } from './generation.js';
import type { Instruments } from './instruments.js';
import type { MemoryGuard } from './memory-guard.js';

/** The native counters' reason keys → the reasons as rejected/ files and the README name them. */
const REASONS: Record<keyof Counters['rejected'], string> = {
  malformed: 'malformed',
  missingField: 'missing_field',
  invalidField: 'invalid_field',
  invalidTimestamp: 'invalid_timestamp',
  tooLong: 'too_long',
  invalidUtf8: 'invalid_utf8',
  future: 'future',
  late: 'late',
};

/** Read when scraped: a reload may replace the source and the pipeline. */
export interface SeriesParts {
  /** The source's kind (`kafka`, `tcp`, `tcp-listen`, `file`, `stdin`, `generator`): the `source` label. */
  sourceKind: () => string;
  source: () => Source;
  pipeline: () => Pipeline;
  /** Output bytes not yet durable (sources pause at MAX_PENDING_OUTPUT_BYTES). */
  pendingOutputBytes: () => number;
  /** Output kinds whose files cannot be written now (a disk fault; their sinks retry). */
  failingOutputs: () => number;
  /** The configured rules (a reload may change them). */
  rules: () => readonly AlertRule[];
  instruments: Instruments;
  /** The daemon's webhook delivery (exported at 0 without `alerts.webhook`, so dashboards and rate() see the first one). */
  webhook: Pick<WebhookDelivery, 'counts' | 'queued'>;
  /** Rejected lines counted but not written (over `limits.rejectedPerSecond`). */
  rejectedDropped: () => number;
  /** `limits.maxMemory` as it applies (memory-guard.ts). */
  memory: () => Pick<MemoryGuard, 'limitBytes' | 'over' | 'stretches'>;
  /** Cluster mode: the running generation's member (null: not in cluster mode). */
  cluster?: () => ClusterMember | null;
}

/** What the series read of a running daemon: its current generation's parts at each scrape (a reload replaces them). */
export function seriesPartsOf(d: { config: Config; source: Source; gen: Generation; instruments: Instruments; webhook: WebhookDelivery }): SeriesParts {
  return {
    sourceKind: () => sourceKindOf(d.config),
    source: () => d.source,
    pipeline: () => d.gen.pipeline,
    pendingOutputBytes: () => d.gen.outputs.pendingBytes,
    failingOutputs: () => d.gen.outputs.failingKinds,
    rules: () => d.config.alerts.rules,
    instruments: d.instruments,
    webhook: d.webhook,
    rejectedDropped: () => d.gen.rejectedLimit.dropped,
    memory: () => d.gen.memory,
    cluster: () => d.gen.cluster,
  };
}

/** The cluster series: this daemon (its session: the instance), the group it sees, and the windows it owns. */
function registerClusterSeries(registry: Registry, cluster: () => ClusterMember | null): void {
  const stats = () => cluster()?.stats() ?? null;
  labelledGaugeOf(registry, 'logpulse_cluster_info', 'Cluster mode: 1, labelled with this daemon\'s session (its instance in the group) and the state topic.', ['session', 'topic'], () => {
    const m = cluster();
    return m === null ? [] : [[{ session: m.session, topic: m.stats().topic }, 1] as const];
  });
  gaugeOf(registry, 'logpulse_cluster_members', 'Cluster mode: sessions of the group reading source partitions now (0 outside cluster mode).', () => stats()?.readers ?? 0);
  counterOf(registry, 'logpulse_cluster_published_bytes_total', 'Cluster mode: bytes (keys and values, before compression) published on the state topic by this daemon\'s current session.', () => stats()?.published.bytes ?? 0);
  counterOf(registry, 'logpulse_cluster_windows_written_total', 'Cluster mode: windows merged and written by this daemon as their owner (current session).', () => stats()?.windowsWritten ?? 0);
  labelledGaugeOf(registry, 'logpulse_cluster_owner_windows', 'Cluster mode: windows waiting in each state partition this daemon owns.', ['partition'], () =>
    (stats()?.owned ?? []).map((o) => [{ partition: String(o.partition) }, o.windows] as const),
  );
  labelledGaugeOf(registry, 'logpulse_cluster_owner_lag_seconds', 'Cluster mode: per owned state partition, wall-clock time minus the event time through which every window is written (absent before the first).', ['partition'], () =>
    (stats()?.owned ?? []).flatMap((o) => (o.lagSeconds === null ? [] : [[{ partition: String(o.partition) }, o.lagSeconds] as const])),
  );
}

/** Registers every daemon series in `registry`. */
export function registerDaemonSeries(registry: Registry, p: SeriesParts): void {
  if (p.cluster) registerClusterSeries(registry, p.cluster);
  const t = () => p.pipeline().totals;
  const bySource = (read: () => number) => (): Samples => [[p.sourceKind(), read()]];
  labelledCounterOf(registry, 'logpulse_lines_total', 'Input lines read (valid or not), by source kind.', 'source', bySource(() => t().lines));
  labelledCounterOf(registry, 'logpulse_input_bytes_total', 'Input bytes read, by source kind.', 'source', bySource(() => t().bytes));
  labelledCounterOf(registry, 'logpulse_records_total', 'Valid records parsed, by source kind.', 'source', bySource(() => t().records));
  counterOf(registry, 'logpulse_error_records_total', 'Records with an error status (pipeline.errorStatusMin and above).', () => t().errors);
  counterOf(registry, 'logpulse_late_records_total', 'Records that arrived after their window closed (counted, not windowed).', () => t().late);
  labelledCounterOf(registry, 'logpulse_rejected_total', 'Input lines rejected, by reason (as in rejected/ files; late records included).', 'reason', () =>
    Object.entries(REASONS).map(([key, reason]) => [reason, t().rejected[key] ?? 0] as const),
  );
  counterOf(registry, 'logpulse_rejected_dropped_total', 'Rejected lines counted but not written to rejected/ (over limits.rejectedPerSecond).', p.rejectedDropped);
  counterOf(registry, 'logpulse_windows_emitted_total', 'Windows closed and written.', () => t().windows);
  // Every configured rule is exported from the start (0), so rate() and increase() see its first alert.
  labelledCounterOf(registry, 'logpulse_alerts_fired_total', 'Alerts fired, by rule.', 'rule', () => {
    const rules = p.rules().map((r) => r.type);
    const byRule = t().alertsByRule;
    const names = new Set([...rules, ...(Object.keys(byRule) as (keyof typeof byRule)[])]);
    return [...names].map((rule) => [rule, byRule[rule] ?? 0] as const);
  });
  counterOf(registry, 'logpulse_archived_rows_total', 'Rows handed to the Parquet archive.', () => t().archived);
  outputSeries(registry, p);
  loadSeries(registry, p);
  connectionSeries(registry, p);
  labelledCounterOf(
    registry,
    'logpulse_webhook_deliveries_total',
    'Webhook POSTs by result: ok (delivered), retry (failed, tried again later), failed (refused by the receiver with a 4xx, not retried); dropped: alerts dropped from a full queue.',
    'result',
    () => Object.entries(p.webhook.counts),
  );
  gaugeOf(registry, 'logpulse_webhook_queue', 'Alerts not delivered to the webhook yet (queued or in flight).', () => p.webhook.queued);
  const i = p.instruments;
  registry.registerMetric(i.fsyncSeconds);
  registry.registerMetric(i.cutSeconds);
  registry.registerMetric(i.holdSeconds);
  labelledCounterOf(registry, 'logpulse_durable_cut_failures_total', 'Durable cuts that failed (nothing committed), by kind.', 'kind', () => Object.entries(i.cutFailures));
  labelledCounterOf(registry, 'logpulse_config_reloads_total', 'Config reloads: ok (applied in place or rebuilt) or failed (bad file, or a rebuild rolled back).', 'result', () =>
    Object.entries(i.configReloads),
  );
  labelledCounterOf(registry, 'logpulse_config_rebuilds_total', 'Reloads that rebuilt the daemon: ok (the new config runs) or rolled_back (the previous config runs again).', 'result', () =>
    Object.entries(i.rebuilds),
  );
}

function outputSeries(registry: Registry, p: SeriesParts): void {
  const published = () => Object.entries(p.instruments.published);
  labelledCounterOf(registry, 'logpulse_output_files_total', 'Complete output files published, by kind.', 'kind', () =>
    published().map(([kind, v]) => [kind, v.files] as const),
  );
  labelledCounterOf(registry, 'logpulse_output_bytes_total', 'Bytes of the complete output files published, by kind.', 'kind', () =>
    published().map(([kind, v]) => [kind, v.bytes] as const),
  );
  const retained = () => Object.entries(p.instruments.retained);
  labelledCounterOf(registry, 'logpulse_retention_deleted_files_total', 'Complete output files (and archive Parquet files) deleted by retention, by kind.', 'kind', () =>
    retained().map(([kind, v]) => [kind, v.files] as const),
  );
  labelledCounterOf(registry, 'logpulse_retention_deleted_bytes_total', 'Bytes of the files retention deleted, by kind.', 'kind', () =>
    retained().map(([kind, v]) => [kind, v.bytes] as const),
  );
  gaugeOf(registry, 'logpulse_output_pending_bytes', 'Output bytes not yet durable; sources pause when this reaches the limit.', p.pendingOutputBytes);
  gaugeOf(registry, 'logpulse_output_failing', 'Output kinds whose files cannot be written now (full, read-only or removed disk); sources stay paused while above 0.', p.failingOutputs);
}

/** `tcp-listen://` producers (0 for the other sources, so dashboards and rate() see the first one). */
function connectionSeries(registry: Registry, p: SeriesParts): void {
  const c = () => p.source().connections?.() ?? { open: 0, refused: 0, idleClosed: 0 };
  gaugeOf(registry, 'logpulse_tcp_connections', 'tcp-listen: producers connected now.', () => c().open);
  counterOf(registry, 'logpulse_tcp_connections_refused_total', 'tcp-listen: connections closed at once because limits.maxConnections were open.', () => c().refused);
  counterOf(registry, 'logpulse_tcp_connections_idle_closed_total', 'tcp-listen: connections closed after limits.idleTimeout without a complete line.', () => c().idleClosed);
}

/** How loaded the daemon is: the shards' queues, the source's pauses, the Kafka consumer's lag. */
function loadSeries(registry: Registry, p: SeriesParts): void {
  const bp = () => p.pipeline().backpressure;
  labelledGaugeOf(registry, 'logpulse_shard_queue_depth', 'Tasks queued to a shard worker and not finished (the running one included).', ['shard'], () =>
    Array.from({ length: bp().shards }, (_, shard) => [{ shard: String(shard) }, bp().inFlight(shard)] as const),
  );
  labelledCounterOf(
    registry,
    'logpulse_backpressure_pauses_total',
    'Times the source was paused: a shard queue full (shards), too many input bytes not yet parsed (input), too many output bytes not yet durable (output) or resident memory over limits.maxMemory (memory).',
    'cause',
    () => [
      ['shards', bp().pausesForShards],
      ['output', bp().pausesForOutput],
      ['input', bp().pausesForInput],
      ['memory', bp().pausesForMemory],
    ],
  );
  gaugeOf(registry, 'logpulse_memory_limit_bytes', 'Resident memory above which sources pause (limits.maxMemory, or 80 % of the cgroup limit); 0: no limit.', () => p.memory().limitBytes ?? 0);
  gaugeOf(registry, 'logpulse_memory_over_limit', '1 while resident memory is over limits.maxMemory (sources paused until it is below 90 % of it).', () => (p.memory().over ? 1 : 0));
  counterOf(registry, 'logpulse_memory_over_limit_total', 'Stretches of resident memory over limits.maxMemory.', () => p.memory().stretches);
  gaugeOf(registry, 'logpulse_input_buffered_bytes', 'Input bytes read and not yet parsed; sources pause above limits.maxBufferedBytes.', () => bp().inputBytes);
  gaugeOf(registry, 'logpulse_backpressure_paused', '1 while the source is paused by backpressure.', () => (bp().paused ? 1 : 0));
  labelledGaugeOf(
    registry,
    'logpulse_kafka_consumer_lag',
    'Kafka: messages of a partition not handed to the pipeline yet (high watermark as of the last fetch, minus the next offset to hand over).',
    ['topic', 'partition'],
    () => (p.source().consumerLag?.() ?? []).map((l) => [{ topic: l.topic, partition: String(l.partition) }, l.lag] as const),
  );
}
