// `logpulse gen --count N > file`: how far it is. A bar on a terminal (stderr), else a line every 10 s, as `run`
// does for a finite input. Only when stdout is a regular file: into a pipe the reader's progress is what
// matters, and a terminal stdout would be the lines themselves.
import { fstatSync } from 'node:fs';

import { LiveBar } from '../live-bar.js';
import { count, duration } from './run-summary.js';

const SAMPLE_MS = 250;
const LOG_EVERY_MS = 10_000;

export class GenProgress {
  /** What generate() counts into. */
  readonly written = { lines: 0 };
  readonly #total: number;
  readonly #say: (message: string) => void;
  readonly #started = performance.now();
  #lastSaid = performance.now();
  #bar: LiveBar | null = null;
  #timer: NodeJS.Timeout | null = null;

  /** A progress display for a `--count` run into a regular file, or null when there is nothing to show. */
  static for(countLines: number | null, toStdout: boolean, say: (message: string) => void): GenProgress | null {
    if (countLines === null || countLines === 0 || !toStdout || !stdoutIsRegularFile()) return null;
    return new GenProgress(countLines, say);
  }

  private constructor(total: number, say: (message: string) => void) {
    this.#total = total;
    this.#say = say;
    this.#timer = setInterval(() => this.#sample(), SAMPLE_MS);
    this.#timer.unref();
  }

  #sample(): void {
    const lines = this.written.lines;
    if (process.stderr.isTTY === true) {
      const payload = { lines: count(lines), all: count(this.#total) };
      if (this.#bar === null) this.#bar = new LiveBar('{bar} {percentage}% | {lines} of {all} lines | ETA {eta_formatted}', this.#total, lines, payload);
      else this.#bar.update(lines, this.#total, payload);
    } else if (performance.now() - this.#lastSaid >= LOG_EVERY_MS) {
      this.#lastSaid = performance.now();
      this.#say(`${count(lines)} of ${count(this.#total)} lines written`);
    }
  }

  /** Clears the bar; on a terminal, one line says what was written and how fast. */
  finish(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#bar?.stop();
    this.#bar = null;
    if (process.stderr.isTTY !== true) return;
    const seconds = (performance.now() - this.#started) / 1000;
    this.#say(`${count(this.written.lines)} lines written in ${duration(seconds)} (${count(this.written.lines / Math.max(seconds, 0.001))} lines/s)`);
  }
}

function stdoutIsRegularFile(): boolean {
  try {
    return fstatSync(1).isFile();
  } catch {
    return false;
  }
}
