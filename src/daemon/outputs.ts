// Every sink of a running daemon behind the pipeline's one output port (SPEC §4, §5): the rotating newline-JSON
// files, results.txt, the console table, the Kafka alerts topic and the webhook. The pipeline hands over bytes and
// events; this decides where each goes, maps windows to console rows, completes a file early when it grows large
// and counts the bytes not yet durable (the pipeline's backpressure reads them).

import type { Logger } from '../log.js';
import type { WindowSummary } from '../native.js';
import type { Alert, OutputPort, WindowRow } from '../pipeline/output-port.js';
import type { ConsoleTable } from '../sinks/console-table.js';
import type { KafkaAlertSink } from '../sinks/kafka-alerts.js';
import type { RejectedLimit } from '../sinks/rejected-limit.js';
import type { ResultsTxt } from '../sinks/results-txt.js';
import type { FileKind, OutputMarks, RecordSink } from '../sinks/sink.js';
import type { WebhookDelivery } from '../sinks/webhook.js';
import type { OutputFaults } from './output-faults.js';

/** Sinks hold at most this much data not yet durable before sources are paused (a slow or full disk). */
export const MAX_PENDING_OUTPUT_BYTES = 256 << 20;
/**
 * A file is also completed once it holds this many bytes: a sink keeps its open file's bytes in memory until
 * the rename, so at high rates time-only rotation would reach MAX_PENDING_OUTPUT_BYTES. 32 MiB (was 64): at 50 %
 * errors and full speed `errors/` fills that in about a second, and the memory it holds counts against a 512 MiB
 * container (README, Input limits, memory and untrusted producers).
 */
const ROTATE_AT_BYTES = 32 << 20;

/** The newline-JSON file sinks; `partials` only where daemons are merged later (Kafka runs). */
export type FileSinks = Record<Exclude<FileKind, 'partials'>, RecordSink> & { partials?: RecordSink };

export interface OutputParts {
  files: FileSinks;
  results?: ResultsTxt | null;
  console?: ConsoleTable | null;
  kafkaAlerts?: KafkaAlertSink | null;
  /** The daemon's webhook delivery (it outlives this generation's outputs, so `close` leaves it alone). */
  webhook?: Pick<WebhookDelivery, 'send' | 'save'> | null;
  /** Caps the rejected lines written per second (`limits.rejectedPerSecond`); null: all are written. */
  rejectedLimit?: RejectedLimit | null;
  log?: Logger;
  /** Default 64 MiB. */
  rotateAtBytes?: number;
  /** How long `close` waits for the Kafka alerts topic to confirm. */
  closeTimeoutMs?: number;
  /** The file sinks' failures (told by their onError/onRecovered): what `failing` and `/ready` read. */
  faults?: OutputFaults;
}

/** Sees each closed window's metrics rows and each alert as they leave (the HTTP API's history and live feed). */
export interface OutputObserver {
  windowRows(rows: Buffer): void;
  alert(alert: Alert): void;
}

export class Outputs implements OutputPort {
  readonly #p: OutputParts;
  readonly #files: RecordSink[];
  readonly #rotateAtBytes: number;
  readonly #rotating = new Set<RecordSink>();
  #started = false;
  /** Called when a file was completed early and its bytes left memory (backpressure may release). */
  onDrained: () => void = () => {};
  observer: OutputObserver | null = null;

  constructor(parts: OutputParts) {
    this.#p = parts;
    this.#files = Object.values(parts.files);
    this.#rotateAtBytes = parts.rotateAtBytes ?? ROTATE_AT_BYTES;
  }

  start(): void {
    this.#started = true;
    this.#p.results?.start();
    this.#p.console?.start();
  }

  /** `console.*` changed (a reload): the old table prints what it holds and stops; the new one takes over. */
  setConsole(next: ConsoleTable | null): void {
    this.#p.console?.stop();
    this.#p.console = next;
    if (this.#started) next?.start();
  }

  /** `output.rotateEvery` changed (a reload): every file sink rotates on the new interval from now. */
  setRotateEvery(ms: number): void {
    for (const f of this.#files) f.setRotateEvery?.(ms);
  }

  /** `output.resultsEvery` changed (a reload). */
  setResultsEvery(ms: number): void {
    this.#p.results?.setEvery(ms);
  }

  /** The file kinds written (`partials` only in Kafka runs). */
  get kinds(): FileKind[] {
    return Object.keys(this.#p.files) as FileKind[];
  }

  get pendingBytes(): number {
    let bytes = 0;
    for (const f of this.#files) bytes += f.pendingBytes;
    return bytes;
  }

  /** An output file cannot be written now (its sink retries): the pipeline keeps the source paused meanwhile. */
  get failing(): boolean {
    return (this.#p.faults?.failing ?? 0) > 0;
  }

  /** Where an output that cannot be written says so (the Parquet archive's cuts too: archive-fault.ts). */
  get faults(): OutputFaults | undefined {
    return this.#p.faults;
  }

  /** Output kinds failing now (for `/metrics`). */
  get failingKinds(): number {
    return this.#p.faults?.failing ?? 0;
  }

  /** What fails and since when, for `/ready` (empty when nothing does). */
  get faultDetail(): string {
    return this.#p.faults?.detail() ?? '';
  }

  errors(lines: Buffer): void {
    this.#write(this.#p.files.errors, lines);
  }

  rejected(lines: Buffer): void {
    const kept = this.#p.rejectedLimit ? this.#p.rejectedLimit.take(lines) : lines;
    if (kept.length > 0) this.#write(this.#p.files.rejected, kept);
  }

  partials(bytes: Uint8Array): void {
    const sink = this.#p.files.partials;
    if (!sink) return;
    // Results cross from the worker as plain Uint8Arrays: wrap (no copy) for Buffer's base64.
    const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    this.#write(sink, Buffer.from(`{"partials":"${b64}"}\n`));
  }

  closedWindows(rows: Buffer, windows: WindowSummary[]): void {
    this.#write(this.#p.files.metrics, rows);
    this.#p.console?.update(windows.map(closedRow));
    this.observer?.windowRows(rows);
  }

  openWindows(windows: WindowRow[]): void {
    this.#p.console?.update(windows);
  }

  alert(alert: Alert): void {
    this.#write(this.#p.files.alerts, Buffer.from(`${JSON.stringify(alert)}\n`));
    this.#p.console?.alert(alert);
    this.#p.kafkaAlerts?.send(alert);
    this.#p.webhook?.send(alert);
    this.#p.log?.warn({ alert }, 'alert');
    this.observer?.alert(alert);
  }

  counters(records: number, errors: number): void {
    this.#p.results?.add(records, errors);
  }

  /**
   * Completes every file written so far (fsync, rename): what they hold is durable once this resolves, and so is
   * the list of alerts the webhook has not delivered yet (a durable cut calls this: an alert fired before the cut
   * is delivered or on disk once it commits; one fired after it is fired again by the replay). The rotations are
   * queued at the call, so what is written after it goes to later files: a cut lets its source read on while the
   * files are fsynced. Resolves to the number of the last complete file of each kind then (the cut's marks).
   */
  async makeDurable(): Promise<OutputMarks> {
    const kinds = Object.entries(this.#p.files) as [FileKind, RecordSink][];
    const [seqs] = await Promise.all([Promise.all(kinds.map(([, sink]) => sink.rotate())), this.#p.webhook?.save()]);
    return Object.fromEntries(kinds.map(([kind], i) => [kind, seqs[i]!]));
  }

  /**
   * The number of the last complete file of each kind (the marks a durable cut checkpoints): everything a cut
   * covers is in files up to these, everything after it in later ones.
   */
  async marks(): Promise<OutputMarks> {
    const marks: OutputMarks = {};
    for (const [kind, sink] of Object.entries(this.#p.files) as [FileKind, RecordSink][]) {
      await sink.ready?.();
      const seq = sink.sealedThrough?.();
      if (seq !== undefined) marks[kind] = seq;
    }
    return marks;
  }

  /**
   * A restart from a checkpoint of a replayable source: files completed after its marks hold what is read again,
   * so they go (the replay writes them anew). Returns how many.
   */
  async discardAfter(marks: OutputMarks): Promise<number> {
    let deleted = 0;
    for (const [kind, sink] of Object.entries(this.#p.files) as [FileKind, RecordSink][]) {
      const seq = marks[kind];
      if (seq !== undefined && sink.discardAfter) deleted += await sink.discardAfter(seq);
    }
    return deleted;
  }

  /** Prints and writes what is left, closes every file and waits (bounded) for the alerts topic. */
  async close(): Promise<void> {
    this.#p.console?.stop();
    // The files first: closing them waits for a failing disk (retrying, up to the shutdown deadline; the reminders
    // go on meanwhile), whereas results.txt tries its last line once and would fail the close right away.
    await Promise.all(this.#files.map((f) => f.close()));
    this.#p.faults?.stop();
    await this.#p.results?.stop();
    await this.#p.kafkaAlerts?.close(this.#p.closeTimeoutMs ?? 5000);
  }

  /**
   * Completes now every file holding at least `minBytes` not yet durable, as if it had reached the size bound:
   * over the memory limit (memory-guard.ts) their bytes leave memory now rather than at the next rotation.
   */
  completeEarly(minBytes: number): void {
    for (const sink of this.#files) if (sink.pendingBytes >= minBytes) this.#complete(sink);
  }

  #write(sink: RecordSink, lines: Buffer): void {
    sink.write(lines);
    if (sink.pendingBytes >= this.#rotateAtBytes) this.#complete(sink);
  }

  #complete(sink: RecordSink): void {
    if (this.#rotating.has(sink)) return;
    this.#rotating.add(sink);
    sink
      .rotate()
      .catch((err: unknown) => this.#p.log?.error({ err: (err as Error).message }, 'output rotation failed'))
      .finally(() => {
        this.#rotating.delete(sink);
        this.onDrained();
      });
  }
}

/** A merged closed window as the console shows it. */
function closedRow(w: WindowSummary): WindowRow {
  return {
    windowStartUs: w.windowStartUs,
    windowEndUs: w.windowEndUs,
    requests: w.requests,
    errors: w.errors,
    uniqueIps: w.uniqueIps,
    statuses: w.statuses.map((s) => ({ status: s.status, count: s.errorCount })),
    closed: true,
  };
}
