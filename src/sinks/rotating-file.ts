// The newline-JSON files of SPEC §4: bytes go to `<final name>.part`, which is fsynced, renamed to its final
// name and made durable by an fsync of the directory, every `rotateEveryMs` and on `rotate()`. Readers only
// ever see complete files; no file is ever empty.
//
// Every file-system call runs on one promise chain, so there are never two concurrent calls on one fd and bytes
// land in the order `write` accepted them. A failing call (full disk, EIO, a removed directory, …) never drops
// bytes: they stay in memory (`pendingBytes` grows, the pipeline pauses its sources) and the call is retried
// with backoff until it succeeds or `destroy()` gives up.
//
// One writer per (dir, kind, shard): at start the sink takes over every `.part` of its kind and shard it finds
// (a crash leftover) and continues the sequence numbers after the highest file there.
import { join } from 'node:path';

import { LogpulseError } from '../errors.js';
import { completeLinesLength } from './complete-lines.js';
import { compactUtc, fileName, fileNamePattern } from './file-names.js';
import { type Part, rewritePart } from './part-file.js';
import { KINDS, type RotatingFileSinkOptions, checkMs, optionError } from './rotating-file-options.js';
import type { FileKind, RecordSink } from './sink.js';
import { type SinkFs, errnoCode, nodeSinkFs } from './sink-fs.js';
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
  readonly #discardLeftovers: boolean;
  readonly #shard: string;
  readonly #fs: SinkFs;
  readonly #now: () => number;
  readonly #onError: (err: LogpulseError) => void;
  readonly #onDurable: () => void;
  readonly #retryMinMs: number;
  readonly #retryMaxMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #ready: Promise<void>;

  #queue: Buffer[] = [];
  /** Byte counters since construction: accepted by `write`, taken from the queue into a file, durable. */
  #accepted = 0;
  #taken = 0;
  #durable = 0;
  #seq = 1;
  #part: Part | null = null;
  #chain: Promise<void> = Promise.resolve();
  #writeScheduled = false;
  #tickRotating = false;
  #closing: Promise<void> | null = null;
  #destroyed = false;
  #failing = false;
  #retry: { timer: NodeJS.Timeout; wake: () => void } | null = null;

  constructor(options: RotatingFileSinkOptions) {
    const o = options;
    if (typeof o.dir !== 'string' || o.dir === '') throw optionError('dir', 'must be a non-empty path');
    if (!KINDS.includes(o.kind)) throw optionError('kind', `must be one of ${KINDS.join(', ')}`);
    if (typeof o.shard !== 'string' || !/^[A-Za-z0-9_]+$/.test(o.shard)) {
      throw optionError('shard', 'must be letters, digits or _ (it is a field of the file names)');
    }
    checkMs('rotateEveryMs', o.rotateEveryMs);
    this.#retryMinMs = o.retryMinMs ?? 100;
    this.#retryMaxMs = o.retryMaxMs ?? 5000;
    checkMs('retryMinMs', this.#retryMinMs);
    checkMs('retryMaxMs', this.#retryMaxMs);
    if (this.#retryMaxMs < this.#retryMinMs) throw optionError('retryMaxMs', 'must be >= retryMinMs');

    this.#dir = o.dir;
    this.#kind = o.kind;
    this.#shard = o.shard;
    this.#fs = o.fs ?? nodeSinkFs;
    this.#now = o.now ?? Date.now;
    this.#onError = o.onError ?? reportToStderr;
    this.#onDurable = o.onDurable ?? noop;
    this.#discardLeftovers = o.leftovers === 'discard';

    this.#ready = this.#enqueue(() => this.#init());
    this.#ready.catch(noop);
    // Unref'd: the rotation timer alone must not keep a finished process alive; close() rotates anyway.
    this.#timer = setInterval(() => this.#onTick(), o.rotateEveryMs);
    this.#timer.unref();
  }

  get pendingBytes(): number {
    return this.#accepted - this.#durable;
  }

  /** Resolves once crash leftovers are recovered and the sequence number is known (writes queue meanwhile). */
  ready(): Promise<void> {
    return this.#ready;
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
    if (!this.#writeScheduled) {
      this.#writeScheduled = true;
      this.#enqueue(() => {
        this.#writeScheduled = false;
        return this.#drain(this.#accepted);
      }).catch(noop);
    }
  }

  rotate(): Promise<void> {
    if (this.#closing) return this.#closing;
    const target = this.#accepted;
    return this.#enqueue(() => this.#rotateThrough(target));
  }

  close(): Promise<void> {
    if (!this.#closing) {
      clearInterval(this.#timer);
      this.#closing = this.#enqueue(() => this.#rotateThrough(this.#accepted));
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
    this.#destroyed = true;
    if (!this.#closing) {
      this.#closing = Promise.reject(this.#destroyedError());
      this.#closing.catch(noop);
    }
    if (this.#retry) {
      clearTimeout(this.#retry.timer);
      this.#retry.wake();
      this.#retry = null;
    }
    await this.#chain;
    const part = this.#part;
    if (part?.fh) await part.fh.close().catch(noop);
    this.#part = null;
    this.#queue = [];
    return this.#accepted - this.#durable - (part?.bytes ?? 0);
  }

  // --- the writer chain --------------------------------------------------------------------------------------

  #enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(() => {
      this.#checkAlive();
      return op();
    });
    this.#chain = run.catch(noop);
    return run;
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

  async #init(): Promise<void> {
    const dir = this.#dir;
    await this.#retrying('mkdir', dir, () => this.#fs.mkdir(dir));
    const names = await this.#retrying('readdir', dir, () => this.#fs.readdir(dir));
    const re = fileNamePattern(this.#kind, this.#shard);
    const leftovers: { name: string; ts: string; seq: number }[] = [];
    let maxSeq = 0;
    for (const name of names) {
      const m = re.exec(name);
      if (!m) continue;
      const seq = Number(m[2]);
      maxSeq = Math.max(maxSeq, seq);
      if (m[3]) leftovers.push({ name, ts: m[1]!, seq });
    }
    // Continue after the highest name ever used, so a restart never overwrites an earlier file.
    this.#seq = maxSeq + 1;
    leftovers.sort((a, b) => a.seq - b.seq);
    for (const l of leftovers) {
      const part = join(dir, l.name);
      if (this.#discardLeftovers) await this.#retrying('unlink', part, () => this.#fs.unlink(part));
      else await this.#recover(l.name, l.ts);
    }
    if (leftovers.length > 0) await this.#retrying('fsync-dir', dir, () => this.#fs.syncDir(dir));
  }

  /**
   * A `.part` left by a crash holds bytes that were written but never confirmed durable. Its complete lines are
   * still valid records (a file only ever receives whole lines, in order), so rather than lose them they are
   * published: the torn last line (if any) is cut, the rest fsynced and renamed to the final name. A file with
   * no complete line is deleted. Renaming may duplicate records the pipeline replays after the crash; losing
   * them would be worse.
   */
  async #recover(name: string, ts: string): Promise<void> {
    const fs = this.#fs;
    const part = join(this.#dir, name);
    let final = part.slice(0, -'.part'.length);
    await this.#retrying('recover', part, async () => {
      if (!(await fs.exists(part))) return; // done by an earlier attempt
      const fh = await fs.open(part, 'r+');
      let keep: number;
      try {
        const { size } = await fh.stat();
        keep = await completeLinesLength(fh, size);
        if (keep > 0) {
          if (keep < size) await fh.truncate(keep);
          await fh.sync();
        }
      } finally {
        await fh.close().catch(noop);
      }
      if (keep === 0) {
        await fs.unlink(part);
        return;
      }
      if (await fs.exists(final)) final = join(this.#dir, this.#fileName(ts, this.#seq++));
      await fs.rename(part, final);
    });
  }

  async #rotateThrough(target: number): Promise<void> {
    await this.#drain(target);
    await this.#seal();
  }

  /** Writes queued chunks until every byte accepted before `target` is in the `.part` file. */
  async #drain(target: number): Promise<void> {
    while (this.#taken < target) {
      this.#checkAlive();
      const q = this.#queue;
      let n = 0;
      let size = 0;
      while (n < q.length && (n === 0 || size + q[n]!.length <= MAX_WRITE_BYTES)) size += q[n++]!.length;
      const parts = q.splice(0, n);
      this.#taken += size;
      await this.#append(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    }
  }

  async #append(batch: Buffer): Promise<void> {
    const part = this.#part ?? (await this.#openPart());
    let done = 0;
    await this.#retrying('write', part.path, async () => {
      const fh = part.fh!;
      while (done < batch.length) {
        try {
          // Positional: a retry rewrites from the last good offset, whatever a failed call left behind.
          const { bytesWritten } = await fh.write(batch, done, batch.length - done, part.bytes);
          if (bytesWritten <= 0) throw Object.assign(new Error('write wrote nothing'), { code: 'EIO' });
          done += bytesWritten;
          part.bytes += bytesWritten;
        } catch (err) {
          // Cut a partial write now; if that fails too, the cut is redone before the fsync.
          part.torn = true;
          await fh.truncate(part.bytes).then(() => (part.torn = false), noop);
          throw err;
        }
      }
    });
    part.chunks.push(batch);
  }

  async #openPart(): Promise<Part> {
    const fs = this.#fs;
    const part = await this.#retrying('open', this.#dir, async (): Promise<Part> => {
      await fs.mkdir(this.#dir); // it may have been removed since start
      const ts = compactUtc(this.#now());
      for (;;) {
        const final = join(this.#dir, this.#fileName(ts, this.#seq));
        const path = `${final}.part`;
        // Never reuse a name: another writer (a misconfiguration) or an old file must not be overwritten.
        if (await fs.exists(final)) {
          this.#seq++;
          continue;
        }
        try {
          const fh = await fs.open(path, 'wx');
          return { fh, path, final, bytes: 0, chunks: [], torn: false };
        } catch (err) {
          if (errnoCode(err) !== 'EEXIST') throw err;
          this.#seq++;
        }
      }
    });
    this.#part = part;
    return part;
  }

  /** fsync, close, rename to the final name, fsync the directory. Nothing when no file is open. */
  async #seal(): Promise<void> {
    const part = this.#part;
    if (!part) return;
    const fs = this.#fs;
    let rewrite = false;
    await this.#retrying('fsync', part.path, async () => {
      if (rewrite || !part.fh) {
        await rewritePart(fs, part);
        rewrite = false;
      }
      const fh = part.fh!;
      if (part.torn) {
        await fh.truncate(part.bytes);
        part.torn = false;
      }
      try {
        await fh.sync();
      } catch (err) {
        // After a failed fsync Linux may have dropped the dirty pages and marked them clean, so a second fsync
        // can "succeed" without the data: the file is written again from memory before the next attempt.
        rewrite = true;
        throw err;
      }
    });
    const fh = part.fh!;
    part.fh = null;
    await fh.close().catch(noop); // the data is already on disk; a close error cannot lose it
    await this.#retrying('rename', part.path, async () => {
      try {
        await fs.rename(part.path, part.final);
      } catch (err) {
        // A rename that happened but reported failure is retried as ENOENT: it is done.
        if (errnoCode(err) === 'ENOENT' && !(await fs.exists(part.path)) && (await fs.exists(part.final))) return;
        throw err;
      }
    });
    await this.#retrying('fsync-dir', this.#dir, () => fs.syncDir(this.#dir));
    this.#part = null;
    this.#seq++;
    this.#durable += part.bytes;
    callSafely(this.#onDurable);
  }

  // --- failures ----------------------------------------------------------------------------------------------

  /** Runs `attempt` until it succeeds (or `destroy()`), backing off; the first failure of a streak is reported. */
  async #retrying<T>(op: string, path: string, attempt: () => Promise<T>): Promise<T> {
    let delay = this.#retryMinMs;
    let failed = false;
    for (;;) {
      this.#checkAlive();
      try {
        const result = await attempt();
        if (failed) this.#failing = false;
        return result;
      } catch (err) {
        this.#checkAlive();
        if (!this.#failing) {
          this.#failing = true;
          const code = errnoCode(err) ?? 'unknown';
          const msg =
            `${this.#label()}: ${op} ${path} failed (${code}); keeping ${this.pendingBytes} bytes in memory and ` +
            `retrying every ${this.#retryMaxMs} ms at most`;
          const report = new LogpulseError('LP_ERR_SINK_IO', msg, { path, syscallCode: code, cause: err });
          callSafely(() => this.#onError(report));
        }
        failed = true;
        await this.#sleep(delay);
        delay = Math.min(delay * 2, this.#retryMaxMs);
      }
    }
  }

  /** Ref'd on purpose: while bytes are at risk the process must not exit just because nothing else is pending. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#retry = null;
        resolve();
      }, ms);
      this.#retry = { timer, wake: resolve };
    });
  }

  #checkAlive(): void {
    if (this.#destroyed) throw this.#destroyedError();
  }

  #destroyedError(): LogpulseError {
    return new LogpulseError('LP_ERR_SINK_DESTROYED', `${this.#label()} was destroyed before its bytes were durable`, {
      path: this.#dir,
    });
  }

  #fileName(ts: string, seq: number): string {
    return fileName(this.#kind, this.#shard, ts, seq);
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
