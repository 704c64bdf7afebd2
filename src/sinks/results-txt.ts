// `results.txt` of SPEC §4, in the format of the seed project it replaces: every interval one appended line,
// `2025-06-02 19:25:27, total=60, errors=38, error_rate=63.33%`, stamped with the UTC wall clock at emission.
// Each append is fsynced; a failed one is cut back to the old end of file (no torn line) and its lines are kept
// and written again with the next one. logrotate's `copytruncate` works: every append opens the file in append mode
// (O_APPEND: Linux writes at the end whatever offset is given) and reads its size then, so after someone else
// truncated it the next line lands at the new end, with no hole of NULs (test/e2e/results-copytruncate.test.ts).
import { join } from 'node:path';

import { LogpulseError } from '../errors.js';
import { completeLinesLength } from './complete-lines.js';
import { type SinkFs, errnoCode, nodeSinkFs } from './sink-fs.js';
import { reportToStderr } from './stderr-report.js';

export interface ResultsTxtOptions {
  /** `output.dir`; the file is `<dir>/results.txt`. Created when missing. */
  dir: string;
  /** Default 60000, as the seed. */
  everyMs?: number;
  /** Wall clock in ms. Default `Date.now`. */
  now?: () => number;
  /** Told once per failure streak; the lines are kept and retried at the next emission. */
  onError?: (err: LogpulseError) => void;
  fs?: SinkFs;
}

const noop = (): void => {};

/** One line of `results.txt`, without its newline. `total = 0` gives `error_rate=0.00%`. */
export function formatResultsLine(nowMs: number, total: number, errors: number): string {
  const iso = new Date(nowMs).toISOString();
  // Basis points in integers: no binary-float surprises such as 0.005 printing as 0.00.
  const bp = total > 0 ? Math.round((errors * 10000) / total) : 0;
  const rate = `${Math.trunc(bp / 100)}.${String(bp % 100).padStart(2, '0')}`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}, total=${total}, errors=${errors}, error_rate=${rate}%`;
}

export class ResultsTxt {
  /** The file appended to. */
  readonly path: string;
  readonly #dir: string;
  #everyMs: number;
  readonly #now: () => number;
  readonly #onError: (err: LogpulseError) => void;
  readonly #fs: SinkFs;

  #total = 0;
  #errors = 0;
  /** Lines emitted but not yet durable (only more than one after a failed append). */
  #pending: string[] = [];
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #failing = false;
  #dirSynced = false;

  constructor(options: ResultsTxtOptions) {
    const everyMs = options.everyMs ?? 60_000;
    if (typeof options.dir !== 'string' || options.dir === '') {
      throw new LogpulseError('LP_ERR_SINK_OPTION', 'dir must be a non-empty path');
    }
    if (!Number.isInteger(everyMs) || everyMs < 1 || everyMs > 2 ** 31 - 1) {
      throw new LogpulseError('LP_ERR_SINK_OPTION', 'everyMs must be an integer number of milliseconds between 1 and 2147483647');
    }
    this.#dir = options.dir;
    this.path = join(options.dir, 'results.txt');
    this.#everyMs = everyMs;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? reportToStderr;
    this.#fs = options.fs ?? nodeSinkFs;
  }

  /** Counts of the current interval: valid records and, among them, errors. */
  add(total: number, errors: number): void {
    if (!(total >= 0 && errors >= 0 && Number.isFinite(total + errors))) {
      throw new LogpulseError('LP_ERR_SINK_OPTION', `add(total=${total}, errors=${errors}): counts must be finite and >= 0`);
    }
    this.#total += total;
    this.#errors += errors;
  }

  /** Emits a line every `everyMs`, an interval without records included (`total=0`), as the seed did. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#emit().catch(noop), this.#everyMs);
    // The daemon is kept alive by its sources; this timer alone must not hold an ending process.
    this.#timer.unref();
  }

  /** A new interval (a config reload): the next line comes `everyMs` from now, counting since the last one. */
  setEvery(everyMs: number): void {
    if (!Number.isInteger(everyMs) || everyMs < 1 || everyMs > 2 ** 31 - 1) {
      throw new LogpulseError('LP_ERR_SINK_OPTION', 'everyMs must be an integer number of milliseconds between 1 and 2147483647');
    }
    this.#everyMs = everyMs;
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
    this.start();
  }

  /**
   * Writes the current interval's line now if the interval counted any record (shutdown, end of a finite input),
   * and waits for it (and any earlier line) to be durable. Rejects with `LP_ERR_SINK_IO` if it cannot be.
   */
  flush(): Promise<void> {
    if (this.#total === 0 && this.#errors === 0) return this.#pending.length > 0 ? this.#enqueue() : this.#chain;
    return this.#emit();
  }

  /** Stops the timer and flushes: a partial last interval is not lost. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  #emit(): Promise<void> {
    this.#pending.push(`${formatResultsLine(this.#now(), this.#total, this.#errors)}\n`);
    this.#total = 0;
    this.#errors = 0;
    return this.#enqueue();
  }

  #enqueue(): Promise<void> {
    const run = this.#chain.then(() => this.#appendPending());
    this.#chain = run.catch(noop);
    return run;
  }

  async #appendPending(): Promise<void> {
    if (this.#pending.length === 0) return;
    const lines = this.#pending;
    const text = Buffer.from(lines.join(''));
    try {
      await this.#append(text);
    } catch (err) {
      const code = errnoCode(err) ?? 'unknown';
      const report = new LogpulseError(
        'LP_ERR_SINK_IO',
        `appending to ${this.path} failed (${code}); ${lines.length} line(s) kept for the next attempt`,
        { path: this.path, syscallCode: code, cause: err },
      );
      if (!this.#failing) {
        this.#failing = true;
        try {
          this.#onError(report);
        } catch {
          // the caller's bug; the lines are still kept
        }
      }
      throw report;
    }
    this.#failing = false;
    this.#pending = this.#pending.slice(lines.length);
  }

  async #append(text: Buffer): Promise<void> {
    const fs = this.#fs;
    await fs.mkdir(this.#dir);
    const fh = await fs.open(this.path, 'a+');
    try {
      let { size } = await fh.stat();
      // A crash (or a failed cut below) may have left half a line: cut it before appending after it.
      const complete = await completeLinesLength(fh, size);
      if (complete < size) {
        await fh.truncate(complete);
        size = complete;
      }
      try {
        for (let done = 0; done < text.length; ) {
          const { bytesWritten } = await fh.write(text, done, text.length - done, size + done);
          if (bytesWritten <= 0) throw Object.assign(new Error('write wrote nothing'), { code: 'EIO' });
          done += bytesWritten;
        }
        await fh.sync();
      } catch (err) {
        // Never leave half a line: cut back to the old end (best effort; the next append checks again).
        await fh.truncate(size).then(() => fh.sync(), noop).catch(noop);
        throw err;
      }
    } finally {
      await fh.close().catch(noop);
    }
    // The file's creation is durable only once its directory is fsynced; once per process is enough.
    if (!this.#dirSynced) {
      await fs.syncDir(this.#dir);
      this.#dirSynced = true;
    }
  }
}
