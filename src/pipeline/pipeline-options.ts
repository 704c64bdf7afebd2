// What a pipeline is built from: its shards and their options, chunking and backpressure bounds, alert rules and
// the one output port.
import type { AlertRule } from '../config/types.js';
import type { ShardOptions, StatusCount } from '../native.js';
import type { OutputPort } from './output-port.js';
import type { PipelineTotals } from './totals.js';

/** Cluster mode (src/cluster/): closed windows go to the group instead of this daemon's rows and alerts. */
export interface ClusterLink {
  /** A shard's closed windows (its partials), in place of merging and writing them here. */
  closed(shard: number, partials: Uint8Array): void;
  /** A shard's running error counts (its result's `statusCounts`): the group's owners fire early alerts on their sum. */
  running(shard: number, counts: readonly StatusCount[]): void;
  /** The other daemons' smallest watermark: no window closes here before the group is past it. Null: none known. */
  floorUs(): number | null;
}

export interface PipelineOptions {
  shards: number;
  /** The shards' options; the window length, idle timeout and URL cap are the pipeline's concern too. */
  shardOptions: ShardOptions & { windowMs: number; idleTimeoutMs: number; maxUrlsPerWindow: number };
  chunkBytes: number;
  maxInFlightChunks: number;
  /** A stream's bytes wait at most this long to fill a chunk (latency bound on slow streams). */
  lingerMs: number;
  /** How often idle shards are ticked so their watermarks and idle streams move without data. */
  tickMs: number;
  rules: AlertRule[];
  earlyAlerts: boolean;
  output: OutputPort;
  /** Pause sources while the output holds more than this many bytes not yet durable (a slow or full disk). */
  maxPendingOutputBytes: number;
  /** Pause sources while more input bytes than this are read and not yet parsed (`limits.maxBufferedBytes`). Default: no bound. */
  maxBufferedBytes?: number;
  /** Pause sources while this says resident memory is over `limits.maxMemory` (the daemon's memory guard). Default: never. */
  memoryOver?: () => boolean;
  /** A worker collects its young generation after handing back this many bytes of results (`pipeline.workerCollectBytes`). Default 0: never. */
  workerCollectBytes?: number;
  /** Archive every valid record as Parquet there (`archive.enabled`); the shards write, `archiveCut` publishes. */
  archive?: { dir: string; run: string };
  /** Wall clock in microseconds; injectable for tests. */
  nowUs?: () => number;
  /** Cluster mode: windows are merged, written and alerted on by their owner in the group. Default: here. */
  cluster?: ClusterLink;
  /** Counted by the pipelines this one replaces (a reload's rebuild): its totals continue from there. */
  totals?: PipelineTotals;
}
