// The coordinator on the main thread: takes a source's bytes, has the router send each stream's chunks to its
// shard, tells every shard the other shards' watermarks, merges closed windows so each (window, status) row is
// written once whatever the number of shards, fires alerts, and hands everything it produces to ONE output port.
import type { AlertRule } from '../config/types.js';
import { type ArchiveFile, type ProcessResult, WindowMerger } from '../native.js';
import type { ChunkOwner, SourceSink } from '../sources/source.js';
import { AlertEngine, type AlertState, rateRuleOptions } from './alert-engine.js';
import { type Backpressure, backpressureFor, type BackpressureStats } from './backpressure.js';
import { dispatchChunk } from './first-line.js';
import { OpenWindowTotals } from './open-windows.js';
import type { PipelineOptions } from './pipeline-options.js';
import { type PipelineState, restorePlan } from './restore-plan.js';
import type { Alert, OutputPort } from './output-port.js';
import { ShardPool } from './shard-pool.js';
import { StreamRouter } from './stream-router.js';
import { addCounters, countAlert, newTotals, type PipelineTotals } from './totals.js';
import type { PipelineStateSizes } from './state-sizes.js';
import { ShardWatermarks } from './watermarks.js';
import type { ShardTask } from './worker.js';

export type { PipelineTotals } from './totals.js';
export type { PipelineOptions } from './pipeline-options.js';
export type { PipelineState } from './restore-plan.js';
export type { AlertState } from './alert-engine.js';

/** Takes a source's bytes (the `SourceSink` calls but `warn`, which the daemon logs itself). */
export class Pipeline implements Omit<SourceSink, 'warn'> {
  readonly #o: PipelineOptions;
  readonly #out: OutputPort;
  readonly #pool: ShardPool;
  readonly #router: StreamRouter;
  readonly #watermarks: ShardWatermarks;
  readonly #backpressure: Backpressure;
  readonly #merger: WindowMerger;
  readonly #alerts: AlertEngine;
  readonly #open = new OpenWindowTotals();
  readonly #pending = new Set<Promise<void>>();
  readonly #nowUs: () => number;
  readonly #totals: PipelineTotals;
  #tickTimer: NodeJS.Timeout | null = null;
  #endResolve: (() => void) | null = null;
  readonly #ended: Promise<void>;
  #failure: Error | null = null;

  constructor(options: PipelineOptions) {
    this.#o = options;
    this.#out = options.output;
    this.#nowUs = options.nowUs ?? (() => Date.now() * 1000);
    this.#totals = options.totals ? structuredClone(options.totals) : newTotals();
    this.#pool = new ShardPool(options.shards, options.shardOptions, options.archive, options.workerCollectBytes);
    const { shards, chunkBytes, lingerMs } = options;
    const submit = (stream: string, shard: number) => (peerUs: number | null, chunk: Uint8Array, owner?: ChunkOwner) => this.#submit(shard, { op: 'process', stream, chunk, nowUs: this.#nowUs(), peerUs }, owner);
    this.#router = new StreamRouter({ shards, chunkBytes, lingerMs, dispatch: (stream, shard, chunk, owner) => dispatchChunk(this.#watermarks, stream, shard, chunk, submit(stream, shard), () => this.#peerOf(shard), owner) });
    this.#watermarks = new ShardWatermarks(options.shards, options.shardOptions.idleTimeoutMs, this.#nowUs, options.cluster ? () => options.cluster!.floorUs() : undefined);
    this.#backpressure = backpressureFor(options);
    this.#merger = new WindowMerger({ maxUrlsPerWindow: options.shardOptions.maxUrlsPerWindow, ...rateRuleOptions(options.rules) });
    this.#alerts = new AlertEngine(options.rules, options.earlyAlerts, options.shardOptions.windowMs * 1000, (rates) => this.#merger.setRateRules(rates.urlErrorRate, rates.ipErrorRate));
    this.#ended = new Promise((resolve) => (this.#endResolve = resolve));
  }

  get totals(): Readonly<PipelineTotals> {
    return this.#totals;
  }

  /** Entries in the per-window and per-stream maps: bounded by what is open now (state-sizes.ts). */
  get stateSizes(): PipelineStateSizes {
    return { openWindows: this.#open.size, mergerWindows: this.#merger.pending, ...this.#alerts.tracked, ...this.#router.size, heldStreams: this.#watermarks.holds, inFlightTasks: this.#pending.size };
  }

  /** Resolves when a finite source has ended (see `finish`). */
  get ended(): Promise<void> {
    return this.#ended;
  }

  /** The first error a shard task failed with, if any (the daemon treats it as fatal). */
  get failure(): Error | null {
    return this.#failure;
  }

  /** Source pause/resume hooks (backpressure), set by whoever wires a source to this pipeline. */
  set onPause(fn: () => void) {
    this.#backpressure.onPause = fn;
  }
  set onResume(fn: () => void) {
    this.#backpressure.onResume = fn;
  }

  /** Work queued per shard and the source pauses so far, for `/metrics`. */
  get backpressure(): BackpressureStats {
    return this.#backpressure;
  }

  /** Re-checks backpressure from outside (the output made bytes durable). */
  recheckBackpressure(): void {
    this.#backpressure.check();
  }

  /** Timed ticks (idle streams stop holding the watermark); again after `stopTicks`. */
  start(): void {
    this.#tickTimer ??= setInterval(() => this.#tickIdleShards(), this.#o.tickMs);
    this.#tickTimer.unref();
  }

  /** A durable cut reads the state: a timed tick must not close a window meanwhile (its row would miss the cut). */
  stopTicks(): void {
    if (this.#tickTimer) clearInterval(this.#tickTimer);
    this.#tickTimer = null;
  }

  /** A stream exists before its first byte (a Kafka partition just assigned): it holds watermarks back. */
  declare(stream: string, route?: number): void {
    this.#router.shardOf(stream, route);
    this.#watermarks.hold(stream);
  }

  data(stream: string, chunk: Buffer, route?: number, owner?: ChunkOwner): void {
    this.#backpressure.read(chunk.length);
    this.#router.data(stream, chunk, route, owner);
  }

  streamEnd(stream: string, cut = false): void {
    this.#watermarks.release(stream);
    const shard = this.#router.end(stream);
    if (shard !== null) this.#submit(shard, { op: 'endStream', stream, cut, nowUs: this.#nowUs(), peerUs: this.#peerOf(shard) });
  }

  end(): void {
    this.#endResolve?.();
  }

  /** End of all input: buffered bytes go out, every shard emits every open window, all windows are drained. */
  async finish(): Promise<void> {
    this.#router.flushAll();
    await this.#settle();
    const now = this.#nowUs();
    for (let i = 0; i < this.#pool.size; i++) this.#submit(i, { op: 'flush', nowUs: now, peerUs: null });
    await this.#settle();
    this.#drainWindows(null);
  }

  /** Finishes what is in flight, then ticks every shard so windows all shards have closed are emitted now rather than
   *  lost with the process; windows still open stay in the shards (for a checkpoint). */
  async drainInFlight(): Promise<void> {
    this.#router.flushAll();
    await this.#settle();
    const now = this.#nowUs();
    for (let i = 0; i < this.#pool.size; i++) this.#submit(i, { op: 'tick', nowUs: now, peerUs: this.#peerOf(i) });
    await this.#settle();
  }

  /** Every shard's state and the merger's held windows (call after `drainInFlight`). */
  async checkpointState(): Promise<Required<PipelineState>> {
    const shards = await this.#pool.snapshotAll();
    return { shards, merger: this.#merger.snapshot(), routes: this.#router.routes(), windowMs: this.#o.shardOptions.windowMs, alerts: this.#alerts.state() };
  }

  /** Before any data: puts back what `checkpointState` saved, under any shard count (restore-plan.ts), each stream
   *  pinned to the shard holding its state (returned); `alerts`: what the engine of the pipeline this one replaces knew. */
  async restoreState(state: PipelineState, alerts?: AlertState): Promise<string[]> {
    const plan = restorePlan(state, this.#pool.size, this.#o.shardOptions.windowMs);
    this.#alerts.adopt(alerts ?? state.alerts, plan.windowsInShards ? null : this.#pool.size);
    for (const partials of plan.partials) this.#merger.add(partials);
    let through = plan.closedThroughUs;
    if (state.windowMs !== undefined && state.windowMs !== this.#o.shardOptions.windowMs) {
      // Windows of another length cannot meet the new ones: every window open at the switch is written now, and
      // the shards start closed through the end of the last (a record for one of them from now on is late).
      const last = this.#drainWindows(null);
      if (last !== null) through = Math.max(through ?? last, last);
    }
    const snapshots = plan.shards(through);
    for (let i = 0; i < this.#pool.size; i++) await this.#pool.restore(i, snapshots[i]!);
    for (const [stream, shard] of plan.pins) this.#router.pin(stream, shard);
    return [...plan.pins.keys()];
  }

  /** What the alert engine knows of windows still open (a reload's rebuild hands it to the next pipeline). */
  alertState(): AlertState {
    return this.#alerts.state();
  }

  /** Declared streams with no data yet, with their routes: the next pipeline declares them again (a rebuild). */
  heldStreams(): { stream: string; route?: number }[] {
    const routes = this.#router.routes();
    return this.#watermarks.held().map((stream) => (routes[stream] === undefined ? { stream } : { stream, route: routes[stream] }));
  }

  /** Every shard publishes its archive files under cut `seq`, after the tasks already queued on it (so a cut after
   *  `drainInFlight` holds everything read before it). Shard failures come back in `errors`, never half a cut. */
  archiveCut(seq: number): Promise<{ files: ArchiveFile[]; errors: string[] }> {
    return this.#pool.archiveCutAll(seq);
  }

  /** Alert thresholds in configured rule order (learned by the batch layer): the engine and the merger take them. */
  setThresholds(thresholds: readonly number[]): void {
    this.#alerts.setThresholds(thresholds);
  }

  /** New alert rules (a reload; the shards already keep the per-group counts they need): windows still open are judged by them. */
  setRules(rules: AlertRule[], early: boolean): void {
    this.#alerts.setRules(rules, early);
  }

  /** Every window ending at or before this is closed on every shard (null before the first); hours before it are complete. */
  get closedThroughUs(): number | null {
    return this.#watermarks.globalClosedThrough();
  }

  /** The smallest watermark of this daemon's streams (null: it reads none now), for its group in cluster mode. */
  get watermarkUs(): number | null {
    return this.#watermarks.ownMin();
  }

  async close(): Promise<void> {
    this.stopTicks();
    this.#router.close();
    await this.#pool.destroy();
  }

  #peerOf(shard: number): number | null {
    return this.#watermarks.peerOf(shard, this.#router.hasStreams(shard));
  }

  #submit(shard: number, task: ShardTask, owner?: ChunkOwner): void {
    // Read before the chunk's buffer is moved to the worker.
    const inputBytes = task.op === 'process' ? task.chunk.byteLength : 0;
    this.#backpressure.submitted(shard);
    const p = this.#pool
      .run(shard, task, owner)
      .then((r) => {
        // The shard has the stream's first data now: its own watermark holds the others back from here on.
        if (task.op === 'process') this.#watermarks.release(task.stream);
        this.#onResult(shard, r);
      })
      .catch((err: unknown) => {
        this.#failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        this.#pending.delete(p);
        this.#backpressure.settled(shard, inputBytes);
      });
    this.#pending.add(p);
  }

  async #settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Ticks the shards with nothing in flight; `after` a result of a shard with streams, only those without: they close
   *  windows only when told the others' watermark (else a row waits up to `tickMs` with one stream on two workers). */
  #tickIdleShards(after?: number): void {
    const now = this.#nowUs();
    for (let i = 0; i < this.#pool.size; i++) {
      if (after !== undefined && (i === after || this.#router.hasStreams(i))) continue;
      if (this.#backpressure.inFlight(i) === 0) this.#submit(i, { op: 'tick', nowUs: now, peerUs: this.#peerOf(i) });
    }
  }

  #onResult(shard: number, r: ProcessResult): void {
    const out = this.#out;
    const cluster = this.#o.cluster;
    if (r.errors.length > 0) out.errors(r.errors);
    if (r.rejected.length > 0) out.rejected(r.rejected);
    // Cluster mode: alerts are the owners' (on the group's counts). Counts before closed windows: a window closed here
    // sends no count after its state (an owner that wrote it would take the count as new and fire again).
    if (cluster) cluster.running(shard, r.statusCounts);
    // Closed windows: to the group in cluster mode, else merged here (and kept in partials/ for `logpulse merge`).
    if (r.closedWindows > 0 && cluster) cluster.closed(shard, r.partials);
    if (r.closedWindows > 0 && !cluster) {
      this.#merger.add(r.partials);
      out.partials(r.partials);
    }
    this.#watermarks.update(shard, r.watermarkUs, r.closedThroughUs);
    if (this.#router.hasStreams(shard)) this.#tickIdleShards(shard);
    if (addCounters(this.#totals, r.counters)) this.#out.counters(r.counters.records, r.counters.errors);
    if (!cluster) for (const alert of this.#alerts.onStatusCounts(shard, r.statusCounts)) this.#fire(alert);
    const open = this.#open.update(shard, r);
    if (open.length > 0) out.openWindows(open);
    const through = this.#watermarks.globalClosedThrough();
    if (through === null) return;
    if (cluster) this.#open.closedThrough(through);
    else this.#drainWindows(through);
  }

  /** Writes every merged window ending at or before `through` (every window for null); returns the last one's end. */
  #drainWindows(through: number | null): number | null {
    if (this.#merger.pending === 0) return null;
    const drained = this.#merger.drain(through);
    if (drained.windows.length === 0) return null;
    this.#out.closedWindows(drained.rows, drained.windows);
    this.#totals.windows += drained.windows.length;
    for (const w of drained.windows) this.#open.closed(w.windowStartUs);
    for (const alert of this.#alerts.onClosedWindows(drained.windows)) this.#fire(alert);
    return Math.max(...drained.windows.map((w) => w.windowEndUs));
  }

  #fire(alert: Alert): void {
    countAlert(this.#totals, alert.rule);
    this.#out.alert(alert);
  }
}
