// The coordinator on the main thread: routes each stream to one shard, coalesces its bytes into ~1 MiB chunks,
// bounds in-flight work (pausing the source when full), tells every shard the other shards' watermarks, and
// merges closed windows so each (window, status) row is written once, whatever the number of shards.
import { type ProcessResult, type ShardOptions, type WindowSummary, WindowMerger } from '../native.js';
import type { SourceSink } from '../sources/source.js';
import type { RecordSink } from '../sinks/sink.js';
import type { ShardTask } from './worker.js';
import { ShardPool } from './shard-pool.js';
import { AlertEngine, type AlertRule, rateRuleOptions } from './alert-engine.js';
import type { Alert } from '../sinks/types.js';

export interface PipelineSinks {
  errors: RecordSink;
  rejected: RecordSink;
  metrics: RecordSink;
  alerts: RecordSink;
  /** When set (Kafka runs): every shard's closed-window partials, so `logpulse merge` can join daemons. */
  partials?: RecordSink;
}

export interface PipelineOptions {
  shards: number;
  shardOptions: ShardOptions;
  chunkBytes: number;
  maxInFlightChunks: number;
  /** A stream's bytes wait at most this long to fill a chunk (latency bound on slow streams). */
  lingerMs: number;
  /** How often idle shards are ticked so their watermarks and idle streams move without data. */
  tickMs: number;
  rules: AlertRule[];
  earlyAlerts: boolean;
  maxUrlsPerWindow: number;
  sinks: PipelineSinks;
  /** Pause sources while the sinks hold more than this many unwritten bytes (a slow or full disk). */
  maxPendingSinkBytes: number;
  /**
   * A sink holding this many bytes rotates now instead of at its next tick: a sink keeps its open file's bytes
   * in memory until the rename, so at high rates time-only rotation would hit `maxPendingSinkBytes`.
   */
  rotateAtBytes: number;
  onSinkError?: (err: Error) => void;
  onWindows?: (windows: WindowSummary[]) => void;
  /** Running totals of open windows, summed over shards, as results arrive (for live displays). */
  onOpenWindows?: (windows: OpenWindow[]) => void;
  onAlert?: (alert: Alert) => void;
  onCounters?: (records: number, errors: number) => void;
  /** Wall clock in microseconds; injectable for tests. */
  nowUs?: () => number;
}

export interface OpenWindow {
  windowStartUs: number;
  windowEndUs: number;
  requests: number;
  errors: number;
  statuses: { status: number; count: number }[];
}

/** A peer watermark before every record: nothing closes while a declared stream has not started. */
const HELD_US = -(2 ** 53);

interface StreamState {
  shard: number;
  parts: Buffer[];
  bytes: number;
  timer: NodeJS.Timeout | null;
}

/** Totals since start, for logs, `/metrics` and the final summary. */
export interface PipelineTotals {
  lines: number;
  bytes: number;
  records: number;
  errors: number;
  late: number;
  rejected: Record<string, number>;
  windows: number;
  alerts: number;
}

/** Takes a source's bytes (the `SourceSink` calls but `warn`, which the daemon logs itself). */
export class Pipeline implements Omit<SourceSink, 'warn'> {
  readonly #o: PipelineOptions;
  readonly #pool: ShardPool;
  readonly #merger: WindowMerger;
  readonly #alerts: AlertEngine;
  readonly #streams = new Map<string, StreamState>();
  readonly #streamsPerShard: number[];
  readonly #inFlight: number[];
  readonly #watermark: (number | null)[];
  readonly #closedThrough: (number | null)[];
  readonly #pending = new Set<Promise<void>>();
  readonly #rotating = new Set<RecordSink>();
  /** windowStartUs → per-shard running totals of windows not yet drained. */
  readonly #open = new Map<number, { endUs: number; requests: number[]; errors: number[]; statuses: Map<number, number[]> }>();
  readonly #nowUs: () => number;
  /**
   * Declared streams (Kafka partitions assigned) whose first data a shard has not processed yet, with the time
   * they were declared: each holds every shard's watermark back (a partition consumed a little later must not
   * find its windows closed by the others) until it has data or has been idle for `idleTimeout`.
   */
  readonly #holds = new Map<string, number>();
  readonly #idleUs: number;
  readonly #totals: PipelineTotals = { lines: 0, bytes: 0, records: 0, errors: 0, late: 0, rejected: {}, windows: 0, alerts: 0 };
  #tickTimer: NodeJS.Timeout | null = null;
  #paused = false;
  #endResolve: (() => void) | null = null;
  readonly #ended: Promise<void>;
  #failure: Error | null = null;
  /** Source pause/resume hooks, set by whoever wires a source to this pipeline. */
  onPause: () => void = () => {};
  onResume: () => void = () => {};

  constructor(options: PipelineOptions) {
    this.#o = options;
    this.#pool = new ShardPool(options.shards, options.shardOptions);
    this.#merger = new WindowMerger({ maxUrlsPerWindow: options.maxUrlsPerWindow, ...rateRuleOptions(options.rules) });
    this.#alerts = new AlertEngine(options.rules, options.earlyAlerts, (options.shardOptions.windowMs ?? 30_000) * 1000);
    this.#streamsPerShard = new Array<number>(options.shards).fill(0);
    this.#inFlight = new Array<number>(options.shards).fill(0);
    this.#watermark = new Array<number | null>(options.shards).fill(null);
    this.#closedThrough = new Array<number | null>(options.shards).fill(null);
    this.#nowUs = options.nowUs ?? (() => Date.now() * 1000);
    this.#idleUs = (options.shardOptions.idleTimeoutMs ?? 30_000) * 1000;
    this.#ended = new Promise((resolve) => (this.#endResolve = resolve));
  }

  get totals(): Readonly<PipelineTotals> {
    return this.#totals;
  }

  /** Resolves when a finite source has ended (see `finish`). */
  get ended(): Promise<void> {
    return this.#ended;
  }

  start(): void {
    this.#tickTimer = setInterval(() => this.#tickIdleShards(), this.#o.tickMs);
    this.#tickTimer.unref();
  }

  // --- SourceSink -------------------------------------------------------------------------------------------

  /** A stream exists before its first byte (a Kafka partition just assigned): it holds watermarks back. */
  declare(stream: string, route?: number): void {
    this.#stream(stream, route);
    this.#holds.set(stream, this.#nowUs());
  }

  data(stream: string, chunk: Buffer, route?: number): void {
    const s = this.#stream(stream, route);
    s.parts.push(chunk);
    s.bytes += chunk.length;
    if (s.bytes >= this.#o.chunkBytes) {
      this.#dispatchBuffered(stream, s);
    } else if (!s.timer) {
      s.timer = setTimeout(() => {
        s.timer = null;
        this.#dispatchBuffered(stream, s);
      }, this.#o.lingerMs);
    }
  }

  streamEnd(stream: string): void {
    this.#holds.delete(stream);
    const s = this.#streams.get(stream);
    if (!s) return;
    this.#dispatchBuffered(stream, s);
    this.#streams.delete(stream);
    this.#streamsPerShard[s.shard]!--;
    this.#submit(s.shard, { op: 'endStream', stream, nowUs: this.#nowUs(), peerUs: this.#peerOf(s.shard) });
  }

  end(): void {
    this.#endResolve?.();
  }

  // --- lifecycle ----------------------------------------------------------------------------------------------

  /** End of all input: buffered bytes go out, every shard emits every open window, all windows are drained. */
  async finish(): Promise<void> {
    for (const [stream, s] of this.#streams) this.#dispatchBuffered(stream, s);
    await this.#settle();
    const now = this.#nowUs();
    for (let i = 0; i < this.#pool.size; i++) this.#submit(i, { op: 'flush', nowUs: now, peerUs: null });
    await this.#settle();
    this.#drainWindows(null);
  }

  /**
   * Finishes what is in flight, then gives every shard one tick so windows that all shards have closed are
   * emitted now rather than lost with the process; windows still open stay in the shards (for a checkpoint).
   */
  async drainInFlight(): Promise<void> {
    for (const [stream, s] of this.#streams) this.#dispatchBuffered(stream, s);
    await this.#settle();
    const now = this.#nowUs();
    for (let i = 0; i < this.#pool.size; i++) this.#submit(i, { op: 'tick', nowUs: now, peerUs: this.#peerOf(i) });
    await this.#settle();
  }

  /** Every shard's state and the merger's held windows (call after `drainInFlight`). */
  async checkpointState(): Promise<{ shards: Buffer[]; merger: Buffer }> {
    const shards: Buffer[] = [];
    for (let i = 0; i < this.#pool.size; i++) shards.push(await this.#pool.snapshot(i));
    return { shards, merger: this.#merger.snapshot() };
  }

  /** Before any data: puts back what `checkpointState` saved (same shard count). */
  async restoreState(state: { shards: Uint8Array[]; merger: Uint8Array }): Promise<void> {
    if (state.shards.length !== this.#pool.size) throw new Error(`checkpoint has ${state.shards.length} shards, the pipeline ${this.#pool.size}`);
    for (let i = 0; i < this.#pool.size; i++) await this.#pool.restore(i, state.shards[i]!);
    this.#merger.add(state.merger);
  }

  async close(): Promise<void> {
    if (this.#tickTimer) clearInterval(this.#tickTimer);
    for (const s of this.#streams.values()) if (s.timer) clearTimeout(s.timer);
    await this.#pool.destroy();
  }

  /** The first error a shard task failed with, if any (the daemon treats it as fatal). */
  get failure(): Error | null {
    return this.#failure;
  }

  // --- internals ----------------------------------------------------------------------------------------------

  #stream(stream: string, route: number | undefined): StreamState {
    let s = this.#streams.get(stream);
    if (!s) {
      s = { shard: route === undefined ? this.#leastLoadedShard() : route % this.#pool.size, parts: [], bytes: 0, timer: null };
      this.#streamsPerShard[s.shard]!++;
      this.#streams.set(stream, s);
    }
    return s;
  }

  #leastLoadedShard(): number {
    let best = 0;
    for (let i = 1; i < this.#streamsPerShard.length; i++) {
      if (this.#streamsPerShard[i]! < this.#streamsPerShard[best]!) best = i;
    }
    return best;
  }

  #dispatchBuffered(stream: string, s: StreamState): void {
    if (s.timer) {
      clearTimeout(s.timer);
      s.timer = null;
    }
    if (s.bytes === 0) return;
    const only = s.parts.length === 1 ? s.parts[0]! : null;
    // Moved to the worker, so the chunk must own its whole ArrayBuffer: a lone part that already does (a full
    // file read) goes as is; anything else is joined into a fresh, unpooled buffer.
    let chunk: Buffer;
    if (only && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) {
      chunk = only;
    } else {
      chunk = Buffer.allocUnsafeSlow(s.bytes);
      let at = 0;
      for (const p of s.parts) at += p.copy(chunk, at);
    }
    s.parts = [];
    s.bytes = 0;
    this.#submit(s.shard, { op: 'process', stream, chunk, nowUs: this.#nowUs(), peerUs: this.#peerOf(s.shard) });
  }

  /**
   * The peer watermark for shard `i`: the min of the other shards' own watermarks — what a single shard
   * holding every stream would use. When no other shard has one (their streams ended or never started):
   * nothing holds back a shard that has live streams; a shard without streams catches up to the furthest
   * point any shard closed through (the global watermark reached it, and it holds no stream to hold back),
   * so an idle shard never blocks the drain of windows the others closed.
   */
  #peerOf(i: number): number | null {
    if (this.#held()) return HELD_US;
    let peer: number | null = null;
    for (let j = 0; j < this.#watermark.length; j++) {
      const w = this.#watermark[j] ?? null;
      if (j !== i && w !== null && (peer === null || w < peer)) peer = w;
    }
    if (peer !== null || this.#streamsPerShard[i]! > 0) return peer;
    let floor: number | null = null;
    for (let j = 0; j < this.#closedThrough.length; j++) {
      const c = this.#closedThrough[j] ?? null;
      if (j !== i && c !== null && (floor === null || c > floor)) floor = c;
    }
    return floor;
  }

  /** True while a declared stream still holds watermarks back (expired holds are dropped here). */
  #held(): boolean {
    if (this.#holds.size === 0) return false;
    const now = this.#nowUs();
    for (const [stream, since] of this.#holds) if (now - since >= this.#idleUs) this.#holds.delete(stream);
    return this.#holds.size > 0;
  }

  #submit(shard: number, task: ShardTask): void {
    this.#inFlight[shard]!++;
    this.#updateBackpressure();
    const p = this.#pool
      .run(shard, task)
      .then((r) => {
        // The shard has the stream's first data now: its own watermark holds the others back from here on.
        if (task.op === 'process') this.#holds.delete(task.stream);
        this.#onResult(shard, r);
      })
      .catch((err: unknown) => {
        this.#failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        this.#inFlight[shard]!--;
        this.#pending.delete(p);
        this.#updateBackpressure();
      });
    this.#pending.add(p);
  }

  async #settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #tickIdleShards(): void {
    const now = this.#nowUs();
    for (let i = 0; i < this.#pool.size; i++) {
      if (this.#inFlight[i] === 0) this.#submit(i, { op: 'tick', nowUs: now, peerUs: this.#peerOf(i) });
    }
  }

  #updateBackpressure(): void {
    const sinks = this.#o.sinks;
    const sinkBytes =
      sinks.errors.pendingBytes + sinks.rejected.pendingBytes + sinks.metrics.pendingBytes + sinks.alerts.pendingBytes + (sinks.partials?.pendingBytes ?? 0);
    const full = this.#inFlight.some((n) => n >= this.#o.maxInFlightChunks) || sinkBytes > this.#o.maxPendingSinkBytes;
    if (full && !this.#paused) {
      this.#paused = true;
      this.onPause();
    } else if (!full && this.#paused) {
      this.#paused = false;
      this.onResume();
    }
  }

  /** Re-checks backpressure from outside (e.g. after sinks wrote to disk). */
  recheckBackpressure(): void {
    this.#updateBackpressure();
  }

  #onResult(shard: number, r: ProcessResult): void {
    const { sinks } = this.#o;
    if (r.errors.length > 0) this.#write(sinks.errors, r.errors);
    if (r.rejected.length > 0) this.#write(sinks.rejected, r.rejected);
    if (r.closedWindows > 0) {
      this.#merger.add(r.partials);
      if (sinks.partials) {
        // Results cross from the worker as plain Uint8Arrays: wrap (no copy) for Buffer's base64.
        const bytes = Buffer.from(r.partials.buffer, r.partials.byteOffset, r.partials.byteLength);
        this.#write(sinks.partials, Buffer.from(`{"partials":"${bytes.toString('base64')}"}\n`));
      }
    }
    this.#watermark[shard] = r.watermarkUs;
    this.#closedThrough[shard] = r.closedThroughUs;

    const c = r.counters;
    const t = this.#totals;
    t.lines += c.lines;
    t.bytes += c.bytes;
    t.records += c.records;
    t.errors += c.errors;
    t.late += c.late;
    for (const [reason, n] of Object.entries(c.rejected)) if (n > 0) t.rejected[reason] = (t.rejected[reason] ?? 0) + n;
    if (c.records > 0 || c.errors > 0) this.#o.onCounters?.(c.records, c.errors);

    for (const alert of this.#alerts.onStatusCounts(shard, r.statusCounts)) this.#fire(alert);
    this.#trackOpen(shard, r);
    const through = this.#globalClosedThrough();
    if (through !== null) this.#drainWindows(through);
  }

  #trackOpen(shard: number, r: ProcessResult): void {
    if (!this.#o.onOpenWindows || (r.windowCounts.length === 0 && r.statusCounts.length === 0)) return;
    const entry = (startUs: number, endUs: number) => {
      let e = this.#open.get(startUs);
      if (!e) this.#open.set(startUs, (e = { endUs, requests: [], errors: [], statuses: new Map() }));
      return e;
    };
    for (const w of r.windowCounts) {
      const e = entry(w.windowStartUs, w.windowEndUs);
      e.requests[shard] = w.requests;
      e.errors[shard] = w.errors;
    }
    for (const c of r.statusCounts) {
      const e = this.#open.get(c.windowStartUs);
      if (!e) continue;
      let per = e.statuses.get(c.status);
      if (!per) e.statuses.set(c.status, (per = []));
      per[shard] = c.count;
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + (b ?? 0), 0);
    this.#o.onOpenWindows(
      r.windowCounts.map((w) => {
        const e = this.#open.get(w.windowStartUs)!;
        return {
          windowStartUs: w.windowStartUs,
          windowEndUs: e.endUs,
          requests: sum(e.requests),
          errors: sum(e.errors),
          statuses: [...e.statuses].map(([status, per]) => ({ status, count: sum(per) })),
        };
      }),
    );
  }

  /** Every shard has closed (and handed over) every window that ends at or before the smallest closed point. */
  #globalClosedThrough(): number | null {
    let through: number | null = null;
    for (const c of this.#closedThrough) {
      if (c === null || c === undefined) return null;
      if (through === null || c < through) through = c;
    }
    return through;
  }

  /** Writes every merged window ending at or before `through` (every window for null). */
  #drainWindows(through: number | null): void {
    if (this.#merger.pending === 0) return;
    const out = this.#merger.drain(through);
    if (out.windows.length === 0) return;
    this.#write(this.#o.sinks.metrics, out.rows);
    this.#totals.windows += out.windows.length;
    for (const w of out.windows) this.#open.delete(w.windowStartUs);
    for (const alert of this.#alerts.onClosedWindows(out.windows)) this.#fire(alert);
    this.#o.onWindows?.(out.windows);
  }

  #write(sink: RecordSink, lines: Buffer): void {
    sink.write(lines);
    if (sink.pendingBytes < this.#o.rotateAtBytes || this.#rotating.has(sink)) return;
    this.#rotating.add(sink);
    sink
      .rotate()
      .catch((err: unknown) => this.#o.onSinkError?.(err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.#rotating.delete(sink);
        this.#updateBackpressure();
      });
  }

  #fire(alert: Alert): void {
    this.#totals.alerts++;
    this.#write(this.#o.sinks.alerts, Buffer.from(`${JSON.stringify(alert)}\n`));
    this.#o.onAlert?.(alert);
  }
}
