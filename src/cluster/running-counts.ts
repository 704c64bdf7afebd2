// A session's running error counts per open window and shard, for early alerts on the group's sum (the window's
// owner adds them up): each change is sent within a few milliseconds, as the newest cumulative counts — not at cuts,
// and not durable (a lost one is replaced by the next, and the window's close judges the merged state anyway).
import type { StatusCount } from '../native.js';
import type { RunningRecord } from './state-records.js';

/** Counts that changed are sent at most this often (each send carries the newest counts). */
const RUNNING_EVERY_MS = 5;

interface Entry {
  startUs: number;
  shard: number;
  statuses: Map<number, number>;
}

export class RunningCounts {
  /** `windowStart/shard` → the shard's running error count per status of that open window. */
  readonly #counts = new Map<string, Entry>();
  /** Keys of `#counts` changed since the last send. */
  readonly #changed = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  readonly #send: (r: Omit<RunningRecord, 'session'>) => void;

  constructor(send: (r: Omit<RunningRecord, 'session'>) => void) {
    this.#send = send;
  }

  add(shard: number, counts: readonly StatusCount[]): void {
    for (const c of counts) {
      const key = `${c.windowStartUs}/${shard}`;
      let e = this.#counts.get(key);
      if (!e) this.#counts.set(key, (e = { startUs: c.windowStartUs, shard, statuses: new Map() }));
      e.statuses.set(c.status, c.count);
      this.#changed.add(key);
    }
    this.#timer ??= setTimeout(() => this.#flush(), RUNNING_EVERY_MS);
  }

  /** The shard closed the window: its state goes with the cut now. */
  forget(startUs: number, shard: number): void {
    this.#counts.delete(`${startUs}/${shard}`);
    this.#changed.delete(`${startUs}/${shard}`);
  }

  /** Every count goes again (the owner that took them in-process lost their partitions: the new one reads the topic). */
  resendAll(): void {
    for (const key of this.#counts.keys()) this.#changed.add(key);
    if (this.#changed.size > 0) this.#timer ??= setTimeout(() => this.#flush(), RUNNING_EVERY_MS);
  }

  /** A new session: nothing of the old one is sent. */
  clear(): void {
    this.stop();
    this.#counts.clear();
    this.#changed.clear();
  }

  /** No send is pending after this (the counts stay: the next change sends them). */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #flush(): void {
    this.#timer = null;
    for (const key of this.#changed) {
      const e = this.#counts.get(key);
      if (e) this.#send({ t: 's', shard: e.shard, startUs: e.startUs, counts: [...e.statuses] });
    }
    this.#changed.clear();
  }
}
