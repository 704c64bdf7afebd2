// `file:PATH` reads a file to the end; `?follow=true` tails it like `tail -F`, surviving truncation and rotation.
// One read loop serves both modes. Tailing polls (a read at the end, then stat of the path and of the open fd)
// instead of relying on fs.watch: editors that write a new file and rename it, network filesystems and
// containers' bind mounts do not reliably raise events, and a poll every few hundred ms costs nothing.
// It is replayable: a durable cut checkpoints the byte it has handed over (file-mark.ts) with the state derived
// from the bytes before it, and a restart — after a stop, a reload or a crash — goes on at that byte.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { DEFAULT_READ_BUFFERS } from '../config/schema-pipeline.js';
import { FileMark, fileStream, savedHead, savedMark, type SavedMark } from './file-mark.js';
import { openFile, type OpenFile } from './file-open.js';
import { HeldCalls } from './held-calls.js';
import { ReadBuffers } from './read-buffers.js';
import { alreadyStarted, type ReplayableSource, type SourceProgress, type SourceSink, type StreamPositions } from './source.js';

export interface FileSourceOptions {
  /** Defaults to `file:<path>`. */
  uri?: string;
  path: string;
  follow?: boolean;
  /** Tail mode: how long to wait at the end of the file before looking again. Default 250 ms. */
  pollIntervalMs?: number | undefined;
  /** Read buffers kept for reuse (`pipeline.readBuffers`, read-buffers.ts). Default DEFAULT_READ_BUFFERS. */
  readBuffers?: number | undefined;
}

/** ≈1 MiB reads: the pipeline crosses into Rust once per chunk, so bigger chunks mean fewer crossings. */
export const READ_BYTES = 1024 * 1024;
const DEFAULT_POLL_MS = 250;

export class FileSource implements ReplayableSource {
  readonly replayable = true;
  readonly uri: string;
  readonly finite: boolean;
  readonly #path: string;
  readonly #follow: boolean;
  readonly #pollMs: number;
  #sink: SourceSink | null = null;
  #file: OpenFile | null = null;
  #position = 0;
  /** 1 for the file as first opened; +1 after each truncation or replacement, so each is its own stream. */
  #generation = 1;
  /** What each read goes into: lent to the pipeline with the bytes, and given back when they are parsed. */
  readonly #buffers: ReadBuffers;
  #paused = false;
  #stopped = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** Tail mode: warn once per outage, not once per poll. */
  #troubled = false;
  /** What reached the sink (the positions a cut checkpoints). */
  readonly #mark: FileMark;
  readonly #out = new HeldCalls();
  /** Where a restart goes on (`resumeFrom`). */
  #saved: SavedMark | null = null;

  constructor(options: FileSourceOptions) {
    this.#path = resolve(options.path);
    this.uri = options.uri ?? `file:${this.#path}`;
    this.#follow = options.follow ?? false;
    this.finite = !this.#follow;
    this.#pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.#buffers = new ReadBuffers(READ_BYTES, options.readBuffers ?? DEFAULT_READ_BUFFERS);
    this.#mark = new FileMark(this.#stream);
  }

  get #stream(): string {
    return fileStream(this.#path, this.#generation);
  }

  async start(sink: SourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) throw alreadyStarted(this.uri);
    this.#sink = sink;
    const file = await openFile(this.#path);
    if (this.#stopped) {
      await file.fh.close();
      return;
    }
    if (this.#saved !== null) await this.#goOnAt(file, this.#saved);
    this.#file = file;
    this.#loop = this.#run();
  }

  progress(): SourceProgress | null {
    const f = this.#file;
    return this.#follow || f === null || !f.regular ? null : { unit: 'bytes', done: Math.min(this.#position, f.size), total: f.size };
  }

  resumeFrom(positions: StreamPositions): void {
    this.#saved = savedMark(positions, this.#path);
  }

  positions(): StreamPositions {
    return this.#mark.positions();
  }

  /** The checkpoint that holds the positions is the commit. */
  async commit(): Promise<void> {}

  hold(): void {
    this.#out.hold();
  }
  release(): void {
    this.#out.release();
    this.#wakeUp();
  }

  /** Reading a file never fails the daemon after start (errors are warned about and retried or end the input). */
  onFatal(): void {}

  /** A restart: at the checkpoint's byte of the same file, or (another file) its stream ends and this one starts. */
  async #goOnAt(file: OpenFile, saved: SavedMark): Promise<void> {
    const head = await savedHead(file, saved);
    if (head !== null) {
      this.#generation = saved.generation;
      this.#position = saved.offset;
      this.#mark.restore(saved, file, head);
      return;
    }
    (this.#sink as SourceSink).warn(`${this.uri}: not the file the checkpoint read ${saved.offset} bytes of (rotated or replaced meanwhile); reading it from its start`, { path: this.#path });
    this.#generation = saved.generation;
    this.#endCurrent();
  }

  pause(): void {
    this.#paused = true;
  }
  resume(): void {
    this.#paused = false;
    this.#wakeUp();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#out.drop();
    this.#wakeUp();
    // The loop closes the file itself once its in-flight read returns. A FIFO read can block until a writer
    // shows up, so only regular files are waited for; after this flag the loop never calls the sink again.
    if (this.#loop !== null && (this.#file === null || this.#file.regular)) await this.#loop;
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopped) {
        if (this.#paused || this.#out.held) {
          await this.#wait(null);
          continue;
        }
        try {
          if (this.#file === null) {
            await this.#reopen();
            continue;
          }
          if ((await this.#readChunk()) > 0) continue;
          if (this.#stopped) return;
          if (!this.#follow) return this.#endInput();
          await this.#wait(this.#pollMs);
          if (!this.#stopped) await this.#checkReplaced();
        } catch (err) {
          if (this.#stopped) return;
          this.#onReadError(err as NodeJS.ErrnoException);
          if (!this.#follow) return;
          await this.#wait(this.#pollMs);
        }
      }
    } finally {
      const file = this.#file;
      this.#file = null;
      await file?.fh.close().catch(() => undefined);
      if (this.#timer !== null) clearTimeout(this.#timer);
    }
  }

  /** Reads up to one chunk at the current position and delivers it; returns the byte count (0 at the end). */
  async #readChunk(): Promise<number> {
    const file = this.#file as OpenFile;
    const buf = this.#buffers.take();
    const { bytesRead } = await file.fh.read(buf, 0, buf.length, file.regular ? this.#position : null);
    if (this.#stopped || bytesRead === 0) {
      this.#buffers.give(buf.buffer as ArrayBuffer);
      return 0;
    }
    this.#position += bytesRead;
    // However little was read: the buffer is lent with it and comes back once the bytes are parsed or copied.
    this.#deliver(buf.subarray(0, bytesRead));
    return bytesRead;
  }

  #deliver(chunk: Buffer): void {
    const [stream, file, buffers] = [this.#stream, this.#file as OpenFile, this.#buffers];
    this.#out.run(() => {
      this.#mark.delivered(stream, file, chunk);
      (this.#sink as SourceSink).data(stream, chunk, undefined, buffers);
    });
  }

  /** The current stream ends (its partial last line counts); what follows is the next generation, from byte 0. */
  #endCurrent(): void {
    const [stream, next] = [this.#stream, fileStream(this.#path, this.#generation + 1)];
    this.#out.run(() => {
      this.#mark.ended(next);
      (this.#sink as SourceSink).streamEnd(stream);
    });
    this.#generation += 1;
    this.#position = 0;
  }

  /** A finite read is over: the stream ends, then the input. */
  #endInput(): void {
    this.#endCurrent();
    this.#out.run(() => (this.#sink as SourceSink).end());
  }

  /**
   * At the end of a tailed file: has it been truncated in place (copytruncate) or replaced (rename + create)?
   * Either way the bytes that follow are not a continuation of the stream, so it ends and a new one begins.
   * Not detectable: a truncation followed, within one poll, by appends past our old position.
   */
  async #checkReplaced(): Promise<void> {
    const file = this.#file as OpenFile;
    if (!file.regular) return;
    let atPath;
    try {
      atPath = await stat(this.#path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Mid-rotation (moved away, not yet recreated): a writer may still append to the file we hold, so keep it.
      this.#warnOnce(`${this.uri}: the file is gone; still reading the old one and waiting for it to reappear`);
      return;
    }
    this.#troubled = false;
    if (atPath.dev !== file.dev || atPath.ino !== file.ino) {
      // Bytes written to the old file between our last read and the rename still belong to the old stream:
      // while there are any, the loop keeps reading the old file (and honouring pause) before switching.
      if ((await this.#readChunk()) > 0 || this.#stopped) return;
      // The stream ends; the loop reopens the path as the next generation.
      this.#endCurrent();
      this.#file = null;
      await file.fh.close().catch(() => undefined);
      return;
    }
    const held = await file.fh.stat();
    if (held.size < this.#position) this.#endCurrent();
  }

  async #reopen(): Promise<void> {
    let file: OpenFile;
    try {
      file = await openFile(this.#path);
    } catch (err) {
      this.#warnOnce(`${this.uri}: cannot reopen the file; retrying`, { error: (err as Error).message });
      await this.#wait(this.#pollMs);
      return;
    }
    if (this.#stopped) {
      await file.fh.close();
      return;
    }
    this.#troubled = false;
    this.#file = file;
  }

  #onReadError(err: NodeJS.ErrnoException): void {
    if (!this.#follow) {
      // No error channel exists after start(): say so loudly, then end so a finite run can still finish.
      (this.#sink as SourceSink).warn(`${this.uri}: reading failed, treating it as the end of the file`, { error: err.message, code: err.code });
      return this.#endInput();
    }
    // Tailing is unbounded: keep the handle and position and retry after a poll, so nothing is read twice.
    this.#warnOnce(`${this.uri}: reading failed; retrying`, { error: err.message, code: err.code });
  }

  #warnOnce(message: string, details?: Record<string, unknown>): void {
    if (this.#troubled) return;
    this.#troubled = true;
    (this.#sink as SourceSink).warn(message, { path: this.#path, ...details });
  }

  /** Sleeps `ms` (or until resume when null); stop() and resume() cut it short. */
  #wait(ms: number | null): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((done) => {
      this.#wake = done;
      if (ms !== null) this.#timer = setTimeout(() => this.#wakeUp(), ms);
    });
  }

  #wakeUp(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
