// An archive cut that fails (a full disk, EIO, a read-only or removed `archive.dir`) is an output fault like a file
// sink's (output-faults.ts): the native shards keep every row since their last good cut, so nothing is lost as long
// as the sources pause. The fault is told to the output faults as kind `archive` — the sources pause, it is logged
// once and every 30 s, `/ready` says not ready — and the cut is tried again with backoff (100 ms doubling to 5 s,
// as the file sinks retry) until it writes; then the fault ends and the sources resume. With a replayable source
// the retried cut is the whole durable cut: no checkpoint and no commit until the archive has written.
//
// This holds the fault's state and the retry's timing; durability.ts decides what a retry runs.
import { constants } from 'node:os';

import { hasCode } from '../errors.js';
import type { OutputFaults } from './output-faults.js';

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/** The errno name (`ENOSPC`, …) of a native archive error's `(os error N)`, if it has one. */
export function errnoOf(message: string): string | undefined {
  const n = /\(os error (\d+)\)/.exec(message)?.[1];
  if (n === undefined) return undefined;
  return Object.entries(constants.errno).find(([, v]) => v === Number(n))?.[0];
}

export class ArchiveFault {
  /** The running outputs' faults (a reload replaces the outputs; the archive keeper may go on). */
  readonly #faults: () => OutputFaults | undefined;
  #failing = false;
  #delay = RETRY_MIN_MS;
  #retry: NodeJS.Timeout | null = null;

  constructor(faults: () => OutputFaults | undefined) {
    this.#faults = faults;
  }

  /** An archive cut failed and none has written since. */
  get failing(): boolean {
    return this.#failing;
  }

  /** An archive cut wrote: a fault, if one lasted, is over (the sources resume). */
  succeeded(): void {
    this.#delay = RETRY_MIN_MS;
    this.stop();
    if (!this.#failing) return;
    this.#failing = false;
    this.#faults()?.recovered('archive');
  }

  /**
   * Whether `err` is an archive cut's failure (LP_ERR_ARCHIVE). If so the fault starts (when it is the first of a
   * streak) and `retry`, when given, runs after the backoff — once: a retry already waiting stays the one.
   */
  failed(err: unknown, retry?: () => void): boolean {
    if (!hasCode(err, 'LP_ERR_ARCHIVE')) return false;
    if (!this.#failing) {
      this.#failing = true;
      this.#faults()?.failed('archive', err);
    }
    if (retry && this.#retry === null) {
      // Ref'd on purpose, as the file sinks' retries: while rows are at risk the process must not just exit.
      this.#retry = setTimeout(() => {
        this.#retry = null;
        retry();
      }, this.#backoff());
    }
    return true;
  }

  /**
   * Runs `cut` until it succeeds, waiting out the backoff after each archive failure (a stop, a reload, the end of
   * the input: bounded by `shutdownTimeout` where the caller has a deadline). Any other error is thrown.
   */
  async until(cut: () => Promise<unknown>): Promise<void> {
    for (;;) {
      try {
        await cut();
        this.succeeded();
        return;
      } catch (err) {
        if (!this.failed(err)) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, this.#backoff()));
    }
  }

  /** No retry waits any more (timed cuts stop). */
  stop(): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
  }

  #backoff(): number {
    const delay = this.#delay;
    this.#delay = Math.min(delay * 2, RETRY_MAX_MS);
    return delay;
  }
}
