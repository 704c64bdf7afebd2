// `stdin:` — the process's standard input as one finite stream, e.g. `zcat access.log.gz | logpulse run --source stdin:`.
import { fstatSync } from 'node:fs';

import { alreadyStarted, type Source, type SourceProgress, type SourceSink } from './source.js';

export interface StdinSourceOptions {
  uri?: string;
  /** Defaults to `process.stdin`; tests pass a PassThrough. */
  input?: NodeJS.ReadableStream | undefined;
}

const STREAM = 'stdin';

export class StdinSource implements Source {
  readonly uri: string;
  readonly finite = true;
  readonly #input: NodeJS.ReadableStream;
  #sink: SourceSink | null = null;
  #paused = false;
  #done = false;
  #stopped = false;
  /** Standard input redirected from a regular file (`< access.log`): its size, the progress display's total. */
  readonly #size: number | null;
  #read = 0;

  constructor(options: StdinSourceOptions = {}) {
    this.uri = options.uri ?? 'stdin:';
    this.#input = options.input ?? process.stdin;
    this.#size = options.input === undefined ? regularFileSize(0) : null;
  }

  progress(): SourceProgress | null {
    return this.#size === null ? null : { unit: 'bytes', done: Math.min(this.#read, this.#size), total: this.#size };
  }

  start(sink: SourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) {
      return Promise.reject(alreadyStarted(this.uri));
    }
    this.#sink = sink;
    this.#input.on('data', this.#onData);
    this.#input.on('end', this.#onEnd);
    this.#input.on('error', this.#onError);
    // Explicit: adding a 'data' listener does not restart a stream someone paused before us.
    if (this.#paused) this.#input.pause();
    else this.#input.resume();
    return Promise.resolve();
  }

  pause(): void {
    this.#paused = true;
    if (this.#sink !== null && !this.#done) this.#input.pause();
  }

  resume(): void {
    this.#paused = false;
    if (this.#sink !== null && !this.#done) this.#input.resume();
  }

  stop(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#stopped = true;
    this.#detach();
    // Pausing (not destroying) is enough to release the loop: a pipe that is not reading keeps nothing alive,
    // and destroying process.stdin would break anything else in the process that still uses fd 0.
    this.#input.pause();
    return Promise.resolve();
  }

  readonly #onData = (chunk: Buffer | string): void => {
    if (this.#stopped || this.#sink === null) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.#read += bytes.length;
    this.#sink.data(STREAM, bytes);
  };

  readonly #onEnd = (): void => {
    this.#finish();
  };

  // Stays attached after the end and after stop(): an 'error' with no listener would crash the process.
  readonly #onError = (err: Error): void => {
    if (this.#done || this.#stopped) return;
    // No error channel exists after start(): say what happened, then end so a finite run can still finish.
    this.#sink?.warn(`${this.uri}: reading standard input failed, treating it as the end of input`, {
      error: err.message,
      code: (err as NodeJS.ErrnoException).code,
    });
    this.#finish();
  };

  #finish(): void {
    if (this.#done || this.#stopped || this.#sink === null) return;
    this.#done = true;
    this.#detach();
    this.#sink.streamEnd(STREAM);
    this.#sink.end();
  }

  #detach(): void {
    this.#input.off('data', this.#onData);
    this.#input.off('end', this.#onEnd);
  }
}

/** The size of the regular file open as `fd`, or null (a pipe, a terminal, a socket). */
function regularFileSize(fd: number): number | null {
  try {
    const st = fstatSync(fd);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}
