// The newline-JSON files of SPEC §4: bytes go to `<final name>.part`, which is fsynced, renamed to its final
// name and made durable by an fsync of the directory, every `rotateEveryMs` and on `rotate()`. Readers only
// ever see complete files; no file is ever empty.
//
// Every file-system call runs on one promise chain (retry-chain.ts), so there are never two concurrent calls on
// one fd and bytes land in the order `write` accepted them. A failing call (full disk, EIO, a removed directory,
// …) never drops bytes: they stay in memory (`pendingBytes` grows, the pipeline pauses its sources) and the call
// is retried with backoff until it succeeds or `destroy()` gives up.
//
// One writer per (dir, kind, shard): at start the sink takes over every `.part` of its kind and shard it finds
// (a crash leftover) and continues the sequence numbers after the highest file there (part-writer.ts).
import { LogpulseError } from '../errors.js';
import { PartWriter } from './part-writer.js';
import { RetryChain } from './retry-chain.js';
import { KINDS, type RotatingFileSinkOptions, checkMs, optionError } from './rotating-file-options.js';
import type { FileKind, RecordSink } from './sink.js';
import { errnoCode, nodeSinkFs } from './sink-fs.js';
import { reportToStderr } from './stderr-report.js';

// Moved to their own files; re-exported so that everything this module exported stays importable from it.
export { completeLinesLength } from './complete-lines.js';
export { compactUtc } from './file-names.js';
export type { RotatingFileSinkOptions } from './rotating-file-options.js';
export { type SinkFile, type SinkFs, errnoCode, nodeSinkFs } from './sink-fs.js';
export { reportToStderr } from './stderr-report.js';

/** Queued chunks are joined into writes of at most this size (a single larger chunk is written as is). */
const MAX_WRITE_BYTES = 4 << 20;
const NEWLINE = 0x0a;
const noop = (): void => {};

export class RotatingFileSink implements RecordSink {
  readonly #dir: string;
  readonly #kind: FileKind;
  readonly #shard: string;
  readonly #onError: (err: LogpulseError) => void;
  readonly #onDurable: (bytes: number) => void;
  readonly #retryMaxMs: number;
  #timer: NodeJS.Timeout;
  /** Runs every file-system call, the sink's and its files', one at a time, retried until it succeeds. */
  readonly #chain: RetryChain;
  /** The files on disk: the open `.part`, its sealing, the sequence numbers, crash leftovers. */
  readonly #files: PartWriter;
  readonly #ready: Promise<void>;

  #queue: Buffer[] = [];
  /** Byte counters since construction: accepted by `write`, taken from the queue into a file, durable. */
  #accepted = 0;
  #taken = 0;
  #durable = 0;
  #writeScheduled = false;
  /** Where each rotation asked for and not yet done ends its file (increasing): no write goes past the first. */
  readonly #rotations: number[] = [];
  #tickRotating = false;
  #closing: Promise<void> | null = null;

  constructor(options: RotatingFileSinkOptions) {
    const o = options;
    if (typeof o.dir !== 'string' || o.dir === '') throw optionError('dir', 'must be a non-empty path');
    if (!KINDS.includes(o.kind)) throw optionError('kind', `must be one of ${KINDS.join(', ')}`);
    if (typeof o.shard !== 'string' || !/^[A-Za-z0-9_]+$/.test(o.shard)) {
      throw optionError('shard', 'must be letters, digits or _ (it is a field of the file names)');
    }
    checkMs('rotateEveryMs', o.rotateEveryMs);
    const retryMinMs = o.retryMinMs ?? 100;
    this.#retryMaxMs = o.retryMaxMs ?? 5000;
    checkMs('retryMinMs', retryMinMs);
    checkMs('retryMaxMs', this.#retryMaxMs);
    if (this.#retryMaxMs < retryMinMs) throw optionError('retryMaxMs', 'must be >= retryMinMs');

    this.#dir = o.dir;
    this.#kind = o.kind;
    this.#shard = o.shard;
    this.#onError = o.onError ?? reportToStderr;
    this.#onDurable = o.onDurable ?? noop;
    this.#chain = new RetryChain({
      retryMinMs,
      retryMaxMs: this.#retryMaxMs,
      onFailure: (op, path, err) => this.#reportFailure(op, path, err),
      onRecovered: () => callSafely(o.onRecovered ?? noop),
      destroyedError: () => this.#destroyedError(),
    });
    this.#files = new PartWriter({
      dir: o.dir,
      kind: o.kind,
      shard: o.shard,
      fs: o.fs ?? nodeSinkFs,
      now: o.now ?? Date.now,
      discardLeftovers: o.leftovers === 'discard',
      chain: this.#chain,
      onFsync: o.onFsync ?? noop,
    });

    this.#ready = this.#chain.enqueue(() => this.#files.init());
    this.#ready.catch(noop);
    // Unref'd: the rotation timer alone must not keep a finished process alive; close() rotates anyway.
    this.#timer = setInterval(() => this.#onTick(), o.rotateEveryMs);
    this.#timer.unref();
  }

  get pendingBytes(): number {
    return this.#accepted - this.#durable;
  }

  /** A file-system call is failing now and being retried (a full, read-only or missing disk). */
  get failing(): boolean {
    return this.#chain.failing;
  }

  /** Resolves once crash leftovers are recovered and the sequence number is known (writes queue meanwhile). */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** The number of the last complete file (after `ready`). */
  sealedThrough(): number {
    return this.#files.sealedThrough;
  }

  /** Deletes the complete files numbered after `seq` (part-writer.ts); before anything is written. */
  async discardAfter(seq: number): Promise<number> {
    await this.#ready;
    let deleted = 0;
    await this.#chain.enqueue(async () => {
      deleted = await this.#files.discardAfter(seq);
    });
    return deleted;
  }

  /** `lines` is kept, not copied, until it is durable: the caller must not modify it afterwards. */
  write(lines: Buffer): void {
    if (this.#closing) {
      throw new LogpulseError('LP_ERR_SINK_CLOSED', `${this.#label()} is closed; ${lines.length} bytes refused`);
    }
    if (lines.length === 0) return;
    if (lines[lines.length - 1] !== NEWLINE) {
      throw new LogpulseError('LP_ERR_SINK_PARTIAL_LINE', `${this.#label()}: write() needs complete lines ending with \\n`);
    }
    this.#queue.push(lines);
    this.#accepted += lines.length;
    this.#scheduleDrain();
  }

  /** A new rotation interval (a reload), counted from now. */
  setRotateEvery(ms: number): void {
    checkMs('rotateEveryMs', ms);
    if (this.#closing) return;
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.#onTick(), ms);
    this.#timer.unref();
  }

  /**
   * Completes the file holding every byte written so far. The rotation is queued at the call: bytes written after
   * it go to later files. Resolves to the number of the last complete file then (`sealedThrough`).
   */
  rotate(): Promise<number> {
    if (this.#closing) return this.#closing.then(() => this.#files.sealedThrough);
    const target = this.#accepted;
    this.#rotations.push(target);
    return this.#chain.enqueue(async () => {
      await this.#rotateThrough(target);
      return this.#files.sealedThrough;
    });
  }

  close(): Promise<void> {
    if (!this.#closing) {
      clearInterval(this.#timer);
      this.#closing = this.#chain.enqueue(() => this.#rotateThrough(this.#accepted));
    }
    return this.#closing;
  }

  /**
   * Gives up (the shutdown deadline passed while the disk is still failing): stops retrying, closes the file
   * and leaves the `.part` for the next start to recover. Pending `rotate()`/`close()` reject with
   * `LP_ERR_SINK_DESTROYED`. Resolves to the number of accepted bytes that are in no file at all.
   */
  async destroy(): Promise<number> {
    clearInterval(this.#timer);
    if (!this.#closing) {
      this.#closing = Promise.reject(this.#destroyedError());
      this.#closing.catch(noop);
    }
    await this.#chain.destroy();
    const inFile = await this.#files.abandon();
    this.#queue = [];
    return this.#accepted - this.#durable - inFile;
  }

  #onTick(): void {
    if (this.#tickRotating || this.#accepted === this.#durable) return;
    this.#tickRotating = true;
    this.rotate()
      .catch(noop)
      .finally(() => {
        this.#tickRotating = false;
      });
  }

  /** Queues one write of what is queued, up to the next rotation asked for (at most one such write waits). */
  #scheduleDrain(): void {
    if (this.#writeScheduled) return;
    this.#writeScheduled = true;
    this.#chain
      .enqueue(() => {
        this.#writeScheduled = false;
        return this.#drain(this.#rotations[0] ?? this.#accepted);
      })
      .catch(noop);
  }

  async #rotateThrough(target: number): Promise<void> {
    await this.#drain(target);
    const sealed = await this.#files.seal();
    if (this.#rotations[0] === target) this.#rotations.shift();
    // Lines written after this rotation was asked for waited: the drains stopped at its target.
    if (this.#taken < this.#accepted) this.#scheduleDrain();
    if (sealed === null) return;
    this.#durable += sealed;
    callSafely(() => this.#onDurable(sealed));
  }

  /** Writes queued chunks until every byte accepted before `target` is in the `.part` file. */
  async #drain(target: number): Promise<void> {
    while (this.#taken < target) {
      this.#chain.checkAlive();
      const q = this.#queue;
      let n = 0;
      let size = 0;
      // Never past `target`: a rotation's file holds what was written before it was asked for, not after (a
      // durable cut's marks say which file ends the cut; the source reads on meanwhile).
      while (n < q.length && this.#taken + size < target && (n === 0 || size + q[n]!.length <= MAX_WRITE_BYTES)) size += q[n++]!.length;
      const parts = q.splice(0, n);
      this.#taken += size;
      await this.#files.append(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    }
  }

  // --- failures ----------------------------------------------------------------------------------------------

  /** The first failure of a streak, told to `onError`; the chain keeps retrying. */
  #reportFailure(op: string, path: string, err: unknown): void {
    const code = errnoCode(err) ?? 'unknown';
    const msg =
      `${this.#label()}: ${op} ${path} failed (${code}); keeping ${this.pendingBytes} bytes in memory and ` +
      `retrying every ${this.#retryMaxMs} ms at most`;
    const report = new LogpulseError('LP_ERR_SINK_IO', msg, { path, syscallCode: code, cause: err });
    callSafely(() => this.#onError(report));
  }

  #destroyedError(): LogpulseError {
    return new LogpulseError('LP_ERR_SINK_DESTROYED', `${this.#label()} was destroyed before its bytes were durable`, {
      path: this.#dir,
    });
  }

  #label(): string {
    return `${this.#kind} sink ${this.#shard} (${this.#dir})`;
  }
}

/** A throwing callback must not break the writer chain (bytes would be stranded in the queue). */
function callSafely(fn: () => void): void {
  try {
    fn();
  } catch {
    // the caller's bug; the sink's state is already consistent
  }
}
