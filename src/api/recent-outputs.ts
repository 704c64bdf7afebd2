// The closed-window rows and alerts a running daemon emitted most recently, kept in memory so /windows and /alerts
// list them before their output file is complete (files are completed every output.rotateEvery, 10 s by default,
// or later while a disk is full). Bounded: the oldest go first. What is also in a complete file by then is listed
// once (history.ts dedupes by identity).
import type { Alert } from '../pipeline/output-port.js';
import type { WindowRowJson } from './history-rows.js';

export interface RecentOutputsOptions {
  /** Bytes of metrics rows kept (as JSON text; a status row with 100 URLs is ~5 KB). */
  maxWindowBytes?: number;
  maxAlerts?: number;
}

/** A bounded first-in first-out list; trimming in steps keeps `push` O(1) amortised. */
class Ring<T> {
  #items: T[] = [];
  #size = 0;
  readonly #max: number;
  readonly #sizeOf: (item: T) => number;

  constructor(max: number, sizeOf: (item: T) => number) {
    this.#max = max;
    this.#sizeOf = sizeOf;
  }

  push(item: T): void {
    this.#items.push(item);
    this.#size += this.#sizeOf(item);
    if (this.#size <= this.#max) return;
    let drop = 0;
    // Drop down to 3/4 of the bound, so the splice runs once per quarter of the ring.
    while (drop < this.#items.length - 1 && this.#size > (this.#max * 3) / 4) this.#size -= this.#sizeOf(this.#items[drop++]!);
    this.#items.splice(0, drop);
  }

  get items(): readonly T[] {
    return this.#items;
  }
}

export class RecentOutputs {
  readonly #windows: Ring<{ row: WindowRowJson; bytes: number }>;
  readonly #alerts: Ring<Alert>;

  constructor(o: RecentOutputsOptions = {}) {
    this.#windows = new Ring(o.maxWindowBytes ?? 16 << 20, (w) => w.bytes);
    this.#alerts = new Ring(o.maxAlerts ?? 5000, () => 1);
  }

  /** A closed window's metrics rows, newline-JSON as written to `metrics/`. */
  windowRows(rows: Buffer): void {
    for (const line of rows.toString('utf8').split('\n')) {
      if (line !== '') this.#windows.push({ row: JSON.parse(line) as WindowRowJson, bytes: line.length });
    }
  }

  alert(alert: Alert): void {
    this.#alerts.push(alert);
  }

  get windows(): WindowRowJson[] {
    return this.#windows.items.map((w) => w.row);
  }

  get alerts(): readonly Alert[] {
    return this.#alerts.items;
  }
}
