// Which output files cannot be written right now (a full disk, EIO, a read-only or removed directory) and what
// the daemon says about it. The sinks retry on their own and keep the bytes in memory (the Parquet archive keeps its
// rows in the native shards and its cut is retried by durability: archive-fault.ts); this turns their per-sink
// "first failure" and "works again" into one operator-facing story: one error line when the fault starts, a
// reminder every 30 s while it lasts (never one per retry: retries back off to every 5 s per sink, and four
// sinks on one disk would repeat the same thing), one line when every output writes again. A disk that flaps
// (nearly full: a small write passes, the next fails) says so at most once per 30 s too. `/ready` and the
// pipeline's backpressure read `failing` (sources pause until it is false again).
import type { LogpulseError } from '../errors.js';
import type { Logger } from '../log.js';

/** How often a fault that lasts is logged again. */
export const FAULT_REMINDER_MS = 30_000;

interface Fault {
  /** The sink's first-failure report: which call on which path, and the errno code. */
  message: string;
  code: string;
  since: number;
}

export interface OutputFaultsOptions {
  log: Logger;
  /** Bytes the outputs hold in memory meanwhile (said in the log lines). */
  pendingBytes: () => number;
  /** Told when the set of failing outputs became empty or non-empty (backpressure re-checks). */
  onChange: () => void;
  reminderMs?: number;
  now?: () => number;
}

export class OutputFaults {
  readonly #o: OutputFaultsOptions;
  readonly #now: () => number;
  readonly #faults = new Map<string, Fault>();
  #reminder: NodeJS.Timeout | null = null;
  #since = 0;
  /** When the last fault line was logged; and whether the fault going on now was (its end is said only then). */
  #lastSaid = -Infinity;
  #said = false;

  constructor(options: OutputFaultsOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Outputs (by kind) whose file system calls fail now. */
  get failing(): number {
    return this.#faults.size;
  }

  /** A sink's first failure of a streak: it retries on its own from here. */
  failed(kind: string, err: LogpulseError): void {
    const first = this.#faults.size === 0;
    this.#faults.set(kind, { message: err.message, code: err.syscallCode ?? 'unknown', since: this.#now() });
    if (!first) return;
    this.#since = this.#now();
    this.#said = this.#since - this.#lastSaid >= this.#reminderMs;
    if (this.#said) {
      this.#lastSaid = this.#since;
      this.#o.log.error({ kind, code: err.syscallCode, err: err.message, pendingBytes: this.#o.pendingBytes() }, 'output cannot be written; sources paused, data kept in memory, retrying until the disk takes writes again');
    }
    // Unref'd: the sinks' own retry timers keep the process alive while bytes are at risk; this only talks.
    this.#reminder = setInterval(() => this.#remind(), this.#reminderMs);
    this.#reminder.unref();
    this.#o.onChange();
  }

  /** A sink's call succeeded after its streak of failures. */
  recovered(kind: string): void {
    if (!this.#faults.delete(kind) || this.#faults.size > 0) return;
    this.stop();
    if (this.#said) this.#o.log.info({ kind, faultSeconds: Math.round((this.#now() - this.#since) / 1000), pendingBytes: this.#o.pendingBytes() }, 'outputs writable again; sources resume');
    this.#o.onChange();
  }

  /** The readiness detail: every failing output, what failed and since when. */
  detail(): string {
    const now = this.#now();
    return [...this.#faults].map(([kind, f]) => `${kind} cannot be written for ${Math.round((now - f.since) / 1000)} s (${f.code}): ${f.message}`).join('; ');
  }

  /** No more reminders (the outputs are closed, or writable again). */
  stop(): void {
    if (this.#reminder) clearInterval(this.#reminder);
    this.#reminder = null;
  }

  get #reminderMs(): number {
    return this.#o.reminderMs ?? FAULT_REMINDER_MS;
  }

  #remind(): void {
    this.#lastSaid = this.#now();
    this.#said = true;
    const kinds = [...this.#faults.keys()];
    const codes = [...new Set([...this.#faults.values()].map((f) => f.code))];
    this.#o.log.error(
      { kinds, codes, faultSeconds: Math.round((this.#now() - this.#since) / 1000), pendingBytes: this.#o.pendingBytes(), detail: this.detail() },
      'output still cannot be written; sources stay paused, data kept in memory',
    );
  }
}
