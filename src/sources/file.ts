// `file:PATH` reads a file to the end; `?follow=true` tails it like `tail -F`, surviving truncation and rotation.
//
// One read loop serves both modes. Tailing polls (a read at the end, then stat of the path and of the open fd)
// instead of relying on fs.watch: editors that write a new file and rename it, network filesystems and
// containers' bind mounts do not reliably raise events, and a poll every few hundred ms costs nothing.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';

import { LogpulseError } from '../errors.js';
import { alreadyStarted, type Source, type SourceSink } from './source.js';

export interface FileSourceOptions {
  /** Defaults to `file:<path>`. */
  uri?: string;
  path: string;
  follow?: boolean;
  /** Tail mode: how long to wait at the end of the file before looking again. Default 250 ms. */
  pollIntervalMs?: number | undefined;
}

/** ≈1 MiB reads: the pipeline crosses into Rust once per chunk, so bigger chunks mean fewer crossings. */
const CHUNK_BYTES = 1024 * 1024;
/** A read shorter than this is copied out so the 1 MiB buffer is reused instead of pinned by a few bytes. */
const COPY_BELOW = CHUNK_BYTES / 4;
const DEFAULT_POLL_MS = 250;

interface OpenFile {
  fh: FileHandle;
  /** Identity of the file we hold; a different one at the path means it was replaced (rotated). */
  dev: number;
  ino: number;
  /** FIFOs and devices cannot be read at an offset and have no meaningful size. */
  regular: boolean;
}

export class FileSource implements Source {
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
  #spare: Buffer | null = null;
  #paused = false;
  #stopped = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** Tail mode: warn once per outage, not once per poll. */
  #troubled = false;

  constructor(options: FileSourceOptions) {
    this.#path = resolve(options.path);
    this.uri = options.uri ?? `file:${this.#path}`;
    this.#follow = options.follow ?? false;
    this.finite = !this.#follow;
    this.#pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  }

  /** The current stream: `file:/abs/path`, then `file:/abs/path#2` after the first truncation or rotation. */
  get #stream(): string {
    return this.#generation === 1 ? `file:${this.#path}` : `file:${this.#path}#${this.#generation}`;
  }

  async start(sink: SourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) throw alreadyStarted(this.uri);
    this.#sink = sink;
    const file = await openFile(this.#path);
    if (this.#stopped) {
      await file.fh.close();
      return;
    }
    this.#file = file;
    this.#loop = this.#run();
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
    this.#wakeUp();
    // The loop closes the file itself once its in-flight read returns. A FIFO read can block until a writer
    // shows up, so only regular files are waited for; after this flag the loop never calls the sink again.
    if (this.#loop !== null && (this.#file === null || this.#file.regular)) await this.#loop;
  }

  async #run(): Promise<void> {
    const sink = this.#sink as SourceSink;
    try {
      while (!this.#stopped) {
        if (this.#paused) {
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
          if (!this.#follow) {
            sink.streamEnd(this.#stream);
            sink.end();
            return;
          }
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
    const buf = this.#spare ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
    this.#spare = null;
    const { bytesRead } = await file.fh.read(buf, 0, CHUNK_BYTES, file.regular ? this.#position : null);
    if (this.#stopped) return 0;
    this.#position += bytesRead;
    if (bytesRead < COPY_BELOW) {
      this.#spare = buf;
      if (bytesRead === 0) return 0;
      // allocUnsafeSlow, not the shared pool: the pipeline may transfer the chunk's ArrayBuffer to a worker.
      const copy = Buffer.allocUnsafeSlow(bytesRead);
      buf.copy(copy, 0, 0, bytesRead);
      this.#deliver(copy);
    } else {
      this.#deliver(buf.subarray(0, bytesRead));
    }
    return bytesRead;
  }

  #deliver(chunk: Buffer): void {
    (this.#sink as SourceSink).data(this.#stream, chunk);
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
      await this.#endStream();
      return;
    }
    const held = await file.fh.stat();
    if (held.size < this.#position) {
      (this.#sink as SourceSink).streamEnd(this.#stream);
      this.#generation += 1;
      this.#position = 0;
    }
  }

  /** Ends the current stream and drops the handle; the loop reopens the path as the next generation. */
  async #endStream(): Promise<void> {
    (this.#sink as SourceSink).streamEnd(this.#stream);
    const file = this.#file;
    this.#file = null;
    this.#generation += 1;
    this.#position = 0;
    await file?.fh.close().catch(() => undefined);
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
    const sink = this.#sink as SourceSink;
    if (!this.#follow) {
      // No error channel exists after start(): say so loudly, then end so a finite run can still finish.
      sink.warn(`${this.uri}: reading failed, treating it as the end of the file`, {
        error: err.message,
        code: err.code,
      });
      sink.streamEnd(this.#stream);
      sink.end();
      return;
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

async function openFile(path: string): Promise<OpenFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw fileError(path, err as NodeJS.ErrnoException);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return { fh, dev: st.dev, ino: st.ino, regular: st.isFile() };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw fileError(path, err as NodeJS.ErrnoException);
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
};

function fileError(path: string, err: NodeJS.ErrnoException): LogpulseError {
  const reason = (err.code !== undefined ? REASONS[err.code] : undefined) ?? err.message;
  return new LogpulseError('LP_ERR_SOURCE_FILE', `cannot read ${path}: ${reason} (${err.code ?? 'error'})`, { cause: err });
}
