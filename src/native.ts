// The only importer of the native module (DESIGN.md): everything else imports from here, so the loading
// rule and the null-normalisation below live in one place.
import { createRequire } from 'node:module';

import type * as Binding from '../native/index.cjs';

const require = createRequire(import.meta.url);
const binding = require('../native/index.cjs') as typeof Binding;

export type ShardOptions = Binding.BindingShardOptions;
export type StatusCount = Binding.StatusCount;
export type Counters = Binding.Counters;
export type WindowSummary = Binding.WindowSummary;
export type WindowOutput = Binding.WindowOutput;
export type ArchiveFile = Binding.ArchiveFile;

export interface ArchiveCutResult {
  files: ArchiveFile[];
  error: string | null;
}

/** `ProcessResult` with napi's absent optionals made explicit `null`s, as API.md documents them. */
export interface ProcessResult extends Omit<Binding.ProcessResult, 'watermarkUs' | 'closedThroughUs'> {
  watermarkUs: number | null;
  closedThroughUs: number | null;
}

function normalise(r: Binding.ProcessResult): ProcessResult {
  return { ...r, watermarkUs: r.watermarkUs ?? null, closedThroughUs: r.closedThroughUs ?? null };
}

/** One worker's parsing and windowing state (see native/API.md). */
export class Shard {
  readonly #inner: Binding.Shard;

  constructor(options?: ShardOptions) {
    this.#inner = new binding.Shard(options);
  }

  process(stream: string, chunk: Uint8Array, nowUs?: number): ProcessResult {
    return normalise(this.#inner.process(stream, chunk, nowUs));
  }

  endStream(stream: string, nowUs?: number): ProcessResult {
    return normalise(this.#inner.endStream(stream, nowUs));
  }

  /** `stream` was cut off mid-line (a connection reset or closed for idleness): its unterminated last line is rejected, not parsed. */
  cutStream(stream: string, nowUs?: number): ProcessResult {
    return normalise(this.#inner.cutStream(stream, nowUs));
  }

  tick(nowUs?: number): ProcessResult {
    return normalise(this.#inner.tick(nowUs));
  }

  setPeerWatermark(peerUs: number | null): void {
    this.#inner.setPeerWatermark(peerUs ?? undefined);
  }

  flush(nowUs?: number): ProcessResult {
    return normalise(this.#inner.flush(nowUs));
  }

  snapshot(): Buffer {
    return this.#inner.snapshot();
  }

  restore(bytes: Uint8Array): void {
    this.#inner.restore(bytes);
  }

  /** Closes the open archive files under cut `seq` (ShardOptions.archive); a write failure comes back as `error`. */
  archiveCut(seq: number): ArchiveCutResult {
    const r = this.#inner.archiveCut(seq);
    return { files: r.files, error: r.error ?? null };
  }

  /** Forgets the archive's rows since the last cut. */
  archiveDiscard(): void {
    this.#inner.archiveDiscard();
  }
}

/** Merges archive Parquet files into one, off the JS thread; resolves to the rows written (native/API.md "Archive"). */
export const compactParquet = binding.compactParquet;

export const WindowMerger = binding.WindowMerger;
export type WindowMerger = Binding.WindowMerger;

/** HyperLogLog distinct counter of client IPs, the sketch behind `unique_ips` (benchmarks and tools; see native/API.md). */
export const Hll = binding.Hll;
export type Hll = Binding.Hll;

/** `logpulse gen`'s line writer (native/core/src/gen): the lines of src/gen/line-writer.ts, written in Rust (native/API.md). */
export const GenWriter = binding.GenWriter;
export type GenWriter = Binding.GenWriter;
export type GenWriterOptions = Binding.GenWriterOptions;

/** Grows the pipe behind a file descriptor to at least `bytes` (never shrinks it); the size it has, or -1 (no pipe, refused). */
export const growPipe = binding.growPipe;

/** The version and build profile (`release` or `debug`) the native module was compiled as. */
export const buildInfo = binding.buildInfo;

/** The kafka:// source's consumer (native/binding/src/kafka/): librdkafka driven from Rust, messages framed there. */
export const KafkaConsumer = binding.KafkaConsumer;
export type KafkaConsumer = Binding.KafkaConsumer;
export type KafkaPollResult = Binding.KafkaPollResult;
export type KafkaEvent = Binding.KafkaEvent;
export type KafkaError = Binding.KafkaError;
export type KafkaAssignment = Binding.KafkaAssignment;
