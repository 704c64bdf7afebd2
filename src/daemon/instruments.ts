// What a running daemon measures that no part of it counts already, for `/metrics`: how long fsyncs and durable
// cuts take, the files and bytes each output published, the config reloads. The parts report here as things
// happen (a few times a second at most: per file, per cut, per reload; never per record); the histograms are
// prom-client's, in no registry until metrics-series.ts adds them to the API's.
import { Histogram } from 'prom-client';

import type { FileKind } from '../sinks/sink.js';

/** Where output goes: the newline-JSON file kinds and the Parquet archive. */
export type OutputKind = FileKind | 'archive';
/** What was fsynced: an output file (and its directory) of a kind, or the checkpoint. */
export type FsyncKind = FileKind | 'checkpoint';
/** A durable cut: outputs + state + offsets of a replayable source (`full`), or the archive's own (`archive`). */
export type CutKind = 'full' | 'archive';

/** fsync on a local disk takes 0.1–10 ms; a slow or failing one seconds. */
const FSYNC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A cut drains in-flight work, completes every file and writes the checkpoint: milliseconds to seconds. */
const CUT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Instruments {
  readonly fsyncSeconds = new Histogram({
    name: 'logpulse_fsync_duration_seconds',
    help: 'Duration of each fsync of an output file or its directory (by output kind), or of the checkpoint.',
    labelNames: ['kind'] as const,
    buckets: FSYNC_BUCKETS,
    registers: [],
  });
  readonly cutSeconds = new Histogram({
    name: 'logpulse_durable_cut_duration_seconds',
    help: 'Duration of each durable cut that completed: full (outputs, open windows and Kafka offsets) or archive only.',
    labelNames: ['kind'] as const,
    buckets: CUT_BUCKETS,
    registers: [],
  });
  readonly holdSeconds = new Histogram({
    name: 'logpulse_source_hold_duration_seconds',
    help: 'How long each full durable cut held the source while it read positions and state (records arriving meanwhile wait).',
    buckets: FSYNC_BUCKETS,
    registers: [],
  });
  readonly cutFailures: Record<CutKind, number> = { full: 0, archive: 0 };
  readonly configReloads = { ok: 0, failed: 0 };
  readonly rebuilds = { ok: 0, rolled_back: 0 };
  /** Files published and their bytes, per output kind this daemon writes (0 until the first file). */
  readonly published: Partial<Record<OutputKind, { files: number; bytes: number }>> = {};
  /** Files and bytes retention deleted, per output kind (README, Retention). */
  readonly retained: Partial<Record<OutputKind, { files: number; bytes: number }>> = {};

  constructor(outputKinds: readonly OutputKind[] = []) {
    this.addKinds(outputKinds);
  }

  /** Output kinds exported from now on (0 until their first file), as a config (or a reload) asks for them. */
  addKinds(outputKinds: readonly OutputKind[]): void {
    for (const kind of outputKinds) {
      this.published[kind] ??= { files: 0, bytes: 0 };
      this.retained[kind] ??= { files: 0, bytes: 0 };
    }
  }

  fsync(kind: FsyncKind, seconds: number): void {
    this.fsyncSeconds.observe({ kind }, seconds);
  }

  /** One complete file of `kind` became visible, holding `bytes`. */
  filePublished(kind: OutputKind, bytes: number): void {
    const p = (this.published[kind] ??= { files: 0, bytes: 0 });
    p.files++;
    p.bytes += bytes;
  }

  /** Retention deleted `files` of `kind`, holding `bytes`. */
  retentionDeleted(kind: OutputKind, files: number, bytes: number): void {
    const r = (this.retained[kind] ??= { files: 0, bytes: 0 });
    r.files += files;
    r.bytes += bytes;
  }

  cutDone(kind: CutKind, seconds: number): void {
    this.cutSeconds.observe({ kind }, seconds);
  }

  /** A full cut released the source after holding it `seconds`. */
  held(seconds: number): void {
    this.holdSeconds.observe(seconds);
  }

  cutFailed(kind: CutKind): void {
    this.cutFailures[kind]++;
  }

  /** Runs one cut, telling `instruments` (when there are some) how long it took or that it failed. */
  static async measured(instruments: Instruments | undefined, kind: CutKind, cut: () => Promise<unknown>): Promise<void> {
    const started = performance.now();
    try {
      await cut();
    } catch (err) {
      instruments?.cutFailed(kind);
      throw err;
    }
    instruments?.cutDone(kind, (performance.now() - started) / 1000);
  }

  /**
   * A config reload: applied (`ok`), or not (`failed`: the file was bad, or a rebuild it needed rolled back). `rebuild`:
   * it rebuilt the daemon, with that outcome.
   */
  configReloaded(result: 'ok' | 'failed', rebuild?: 'ok' | 'rolled_back'): void {
    this.configReloads[result]++;
    if (rebuild) this.rebuilds[rebuild]++;
  }
}
