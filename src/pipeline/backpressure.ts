// Backpressure, not unbounded queues (DESIGN.md): the source is paused while any shard has its maximum of
// chunks in flight, while more input bytes than `maxBufferedBytes` are read and not yet parsed (many connections
// each filling a chunk at once), while the outputs hold too many bytes not yet durable (a slow disk), or while an
// output cannot be written at all (a full, read-only or removed disk: waiting for the byte limit would only fill
// memory with data the disk cannot take), or while the process is over its memory limit and something read is
// still on its way out (memory-guard.ts), and resumed when none of these holds any more.
import type { PipelineOptions } from './pipeline-options.js';

/**
 * Over the memory limit, the source also waits while the outputs hold more than this not yet durable; the daemon
 * has such files completed early (Outputs.completeEarly) so the wait is short.
 */
export const MEMORY_PENDING_BYTES = 8 << 20;

export interface BackpressureOptions {
  shards: number;
  maxInFlightChunks: number;
  maxPendingBytes: number;
  /** Bytes the outputs accepted but have not made durable yet. */
  pendingBytes: () => number;
  /** An output cannot be written now. Default: never. */
  outputFailing?: () => boolean;
  /** Input bytes read (`read`) and not yet settled by a shard. Default: no bound. */
  maxBufferedBytes?: number;
  /** Resident memory is over `limits.maxMemory` (memory-guard.ts). Default: never. */
  memoryOver?: () => boolean;
  /** Over the memory limit, the source also waits while the outputs hold more than this not yet durable. */
  memoryPendingBytes?: number;
}

/** What `/metrics` reads of it: the shards' queues and the pauses so far. */
export interface BackpressureStats {
  readonly shards: number;
  /** Tasks submitted to the shard and not settled yet (its queue, the running one included). */
  inFlight(shard: number): number;
  readonly paused: boolean;
  /** Pauses because a shard had `maxInFlightChunks` queued. */
  readonly pausesForShards: number;
  /** Pauses because the outputs held more than `maxPendingBytes` not yet durable, or could not write. */
  readonly pausesForOutput: number;
  /** Pauses because more than `maxBufferedBytes` of input were read and not yet parsed. */
  readonly pausesForInput: number;
  /** Pauses because resident memory was over `limits.maxMemory`. */
  readonly pausesForMemory: number;
  /** Input bytes read and not yet parsed (buffered for a chunk or queued to a shard). */
  readonly inputBytes: number;
}

export class Backpressure implements BackpressureStats {
  readonly #o: BackpressureOptions;
  readonly #inFlight: number[];
  #paused = false;
  pausesForShards = 0;
  pausesForOutput = 0;
  pausesForInput = 0;
  pausesForMemory = 0;
  inputBytes = 0;
  /** Source pause/resume hooks, set by whoever wires a source to the pipeline. */
  onPause: () => void = () => {};
  onResume: () => void = () => {};

  constructor(options: BackpressureOptions) {
    this.#o = options;
    this.#inFlight = new Array<number>(options.shards).fill(0);
  }

  get shards(): number {
    return this.#inFlight.length;
  }

  get paused(): boolean {
    return this.#paused;
  }

  inFlight(shard: number): number {
    return this.#inFlight[shard]!;
  }

  submitted(shard: number): void {
    this.#inFlight[shard]!++;
    this.check();
  }

  /** A shard finished a task; `inputBytes`: the input it parsed (a chunk), no longer held. */
  settled(shard: number, inputBytes = 0): void {
    this.#inFlight[shard]!--;
    this.inputBytes -= inputBytes;
    this.check();
  }

  /** The source delivered `bytes` of input: held until a shard settles them. */
  read(bytes: number): void {
    this.inputBytes += bytes;
    // Called per chunk a source delivers: only crossing the input bound can change anything here.
    if (!this.#paused && this.inputBytes > (this.#o.maxBufferedBytes ?? Number.POSITIVE_INFINITY)) this.check();
  }

  /** Pauses or resumes the source as the in-flight chunks and pending output bytes now say. */
  check(): void {
    const shardsFull = this.#inFlight.some((n) => n >= this.#o.maxInFlightChunks);
    const inputFull = this.inputBytes > (this.#o.maxBufferedBytes ?? Number.POSITIVE_INFINITY);
    const pending = this.#o.pendingBytes();
    const outputFull = pending > this.#o.maxPendingBytes || this.#o.outputFailing?.() === true;
    // Over the memory limit, the source waits while a chunk it read is still being parsed (at most one chunk is in
    // the pipeline, nothing piles up in its queues) and while the outputs hold more than a few MiB: those files are
    // completed early (the daemon sees to it), so the wait lasts a write and an fsync, not `output.rotateEvery`.
    const memoryFull = this.#o.memoryOver?.() === true && (this.inputBytes > 0 || this.#inFlight.some((n) => n > 0) || pending > (this.#o.memoryPendingBytes ?? 0));
    const full = shardsFull || inputFull || outputFull || memoryFull;
    if (full && !this.#paused) {
      this.#paused = true;
      if (shardsFull) this.pausesForShards++;
      else if (inputFull) this.pausesForInput++;
      else if (outputFull) this.pausesForOutput++;
      else this.pausesForMemory++;
      this.onPause();
    } else if (!full && this.#paused) {
      this.#paused = false;
      this.onResume();
    }
  }
}

/** The backpressure of a pipeline built from `o`, over its output port. */
export function backpressureFor(o: Pick<PipelineOptions, 'shards' | 'maxInFlightChunks' | 'maxPendingOutputBytes' | 'maxBufferedBytes' | 'memoryOver' | 'output'>): Backpressure {
  const out = o.output;
  return new Backpressure({
    shards: o.shards,
    maxInFlightChunks: o.maxInFlightChunks,
    maxPendingBytes: o.maxPendingOutputBytes,
    pendingBytes: () => out.pendingBytes,
    outputFailing: () => out.failing === true,
    maxBufferedBytes: o.maxBufferedBytes,
    ...(o.memoryOver ? { memoryOver: o.memoryOver, memoryPendingBytes: MEMORY_PENDING_BYTES } : {}),
  });
}
