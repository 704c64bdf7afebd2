// The one interface every source implements (stdin, file, tcp, tcp-listen, generator, kafka).
// A source only moves bytes: framing into lines, parsing and watermarks happen in the native shards.
import { LogpulseError } from '../errors.js';
import type { ChunkOwner } from './read-buffers.js';

export type { ChunkOwner } from './read-buffers.js';

/** What a source calls as bytes arrive. Implemented by the pipeline. */
export interface SourceSink {
  /**
   * Bytes of one input stream (a file, one TCP connection, a Kafka partition). Chunk boundaries are arbitrary
   * (mid-line, mid-character); the same `stream` name must keep its byte order. Each stream has its own
   * watermark, so a name is stable for the life of the stream and unique among live streams. `route` (a Kafka
   * partition number) pins the stream to shard `route % shards`; without it the least loaded shard takes it.
   * `owner`: the chunk's whole ArrayBuffer is lent by it (a source's read buffers): no one else holds it, and the
   * pipeline gives it back once no one uses it any more, instead of leaving it to the garbage collector.
   */
  data(stream: string, chunk: Buffer, route?: number, owner?: ChunkOwner): void;
  /**
   * A stream that exists before its first byte (a Kafka partition just assigned, `route` as in `data`): it
   * holds the watermark back until its first data, or until it has been idle for `pipeline.idleTimeout`.
   */
  declare?(stream: string, route?: number): void;
  /**
   * The stream ended (file read to the end, connection closed): its unterminated last line counts now. `cut`: it
   * was cut off (a connection reset, or closed for idleness), so that line is not one its producer finished: it is
   * rejected as `malformed` (or `too_long`) instead of parsed.
   */
  streamEnd(stream: string, cut?: boolean): void;
  /** A finite source has no more data at all (after every `streamEnd`). Never called by unbounded sources. */
  end(): void;
  /**
   * A problem worth an operator's attention that the source survives (a refused connection it will retry).
   * Fatal problems reject `start()` or are thrown from it instead.
   */
  warn(message: string, details?: Record<string, unknown>): void;
  /** Worth a line in the daemon's log (partitions assigned). */
  info?(message: string, details?: Record<string, unknown>): void;
  /**
   * Streams are leaving this process (Kafka partitions revoked; `streamEnd` was called for each): resolves once
   * everything derived from them is durable and their positions are committed. Sources without hand-over
   * never call it.
   */
  handOff?(streams: string[]): Promise<void>;
}

export interface Source {
  /** The URI it was created from, for logs (never contains a secret). */
  readonly uri: string;
  /** Ends on its own (stdin, file without follow, generator with a count). */
  readonly finite: boolean;
  /** Begins delivering to `sink`. Resolves once reading has started; rejects if it cannot start at all. */
  start(sink: SourceSink): Promise<void>;
  /** Backpressure: stop delivering soon (a chunk already read may still arrive). Idempotent. */
  pause(): void;
  /** Undo `pause`. Idempotent. */
  resume(): void;
  /** Stop reading for good and release every handle (sockets, files, timers). Idempotent. */
  stop(): Promise<void>;
  /**
   * A finite input's extent, for the progress display: how much there is and how much was handed to the sink so
   * far (bytes for a file, records for a bounded Kafka read). Null while unknown or unbounded. Called a few times a
   * second, never per line: it must only read counters.
   */
  progress?(): SourceProgress | null;
  /** Kafka: how far behind each assigned partition the pipeline is, for `/metrics` (cheap, no broker request). */
  consumerLag?(): PartitionLag[];
  /** `tcp-listen://`: its producers' connections so far, for `/metrics`. */
  connections?(): ConnectionCounts;
  /** `tcp-listen://`: new `limits` (a reload); connections already open keep going under them. */
  setLimits?(limits: ConnectionLimits): void;
}

/** How far a finite source has read: `done` of `total` (bytes or records). */
export interface SourceProgress {
  unit: 'bytes' | 'records';
  done: number;
  total: number;
}

/** What a listening source allows each producer (the config's `limits` keys of the same names). */
export interface ConnectionLimits {
  /** Connections open at once; one more is closed as soon as it is accepted. */
  maxConnections: number;
  /** A connection without a complete line for this long is closed (0: never). */
  idleTimeoutMs: number;
}

export interface ConnectionCounts {
  /** Open now. */
  open: number;
  /** Closed at once: `maxConnections` were open. */
  refused: number;
  /** Closed after `idleTimeoutMs` without a complete line. */
  idleClosed: number;
}

/** Messages a partition has that were not handed to the pipeline yet: high watermark − next offset to hand over. */
export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/** Next offset per stream name (`topic/partition`): what has been handed to the sink so far. */
export type StreamPositions = Record<string, number>;

/**
 * A source that can re-deliver (Kafka, file, generator with a seed): the daemon checkpoints `positions()` with the state derived from them
 * and then `commit`s them; a restart resumes from the checkpoint, so nothing is skipped or counted twice.
 */
export interface ReplayableSource extends Source {
  readonly replayable: true;
  positions(): StreamPositions;
  /**
   * Records positions as done: call only once every output derived from them is durable. `confirmed`: resolves
   * once the commit is settled (a hand-over, the last commit at stop); otherwise it may still be on its way (a
   * periodic commit: a newer one follows and covers it, and the process never waits on an absent broker).
   */
  commit(positions: StreamPositions, confirmed: boolean): Promise<void>;
  /** Before `start`: streams resume after these checkpointed positions when this process gets them. */
  resumeFrom(positions: StreamPositions): void;
  /** Stops handing data to the sink at once (no call until `release`), so a cut of positions and state agree. */
  hold(): void;
  release(): void;
  /** A failure the daemon must stop for (credentials rejected after start). */
  onFatal(handler: (err: Error) => void): void;
  /** Kafka: the partitions assigned to this process now (cluster mode publishes them). */
  claims?(): number[];
  /** Kafka in cluster mode: each assigned partition starts at least where the group's published state of it ends. */
  setPublishedPositions?(published: ((partition: number) => Promise<number | undefined>) | null): void;
}

/** What `start()` rejects with when called twice or after `stop()`: the caller's bug. */
export function alreadyStarted(uri: string): LogpulseError {
  return new LogpulseError('LP_ERR_SOURCE_STATE', `${uri} was already started or stopped`);
}

export function isReplayable(s: Source): s is ReplayableSource {
  return (s as Partial<ReplayableSource>).replayable === true;
}
