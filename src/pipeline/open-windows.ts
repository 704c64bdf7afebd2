// Running totals of the windows still open, summed over shards as their results arrive, for live displays:
// each shard reports its own running counts, so the sum is what one shard holding every stream would show.
import type { ProcessResult } from '../native.js';
import type { WindowRow } from './output-port.js';

interface PerShard {
  endUs: number;
  requests: number[];
  errors: number[];
  statuses: Map<number, number[]>;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + (b ?? 0), 0);

export class OpenWindowTotals {
  /** windowStartUs → per-shard running totals of windows not yet drained. */
  readonly #open = new Map<number, PerShard>();

  /** Takes one shard's result; returns the open windows it changed, with totals over every shard. */
  update(shard: number, r: ProcessResult): WindowRow[] {
    if (r.windowCounts.length === 0 && r.statusCounts.length === 0) return [];
    for (const w of r.windowCounts) {
      let e = this.#open.get(w.windowStartUs);
      if (!e) this.#open.set(w.windowStartUs, (e = { endUs: w.windowEndUs, requests: [], errors: [], statuses: new Map() }));
      e.requests[shard] = w.requests;
      e.errors[shard] = w.errors;
    }
    for (const c of r.statusCounts) {
      const e = this.#open.get(c.windowStartUs);
      if (!e) continue;
      let per = e.statuses.get(c.status);
      if (!per) e.statuses.set(c.status, (per = []));
      per[shard] = c.count;
    }
    return r.windowCounts.map((w) => {
      const e = this.#open.get(w.windowStartUs)!;
      return {
        windowStartUs: w.windowStartUs,
        windowEndUs: e.endUs,
        requests: sum(e.requests),
        errors: sum(e.errors),
        uniqueIps: Number.NaN,
        statuses: [...e.statuses].map(([status, per]) => ({ status, count: sum(per) })),
        closed: false,
      };
    });
  }

  /** Windows tracked (bounded by the windows open at once: each goes at its drain). */
  get size(): number {
    return this.#open.size;
  }

  /** Every window ending at or before `throughUs` is closed (cluster mode: its row is its owner's to write). */
  closedThrough(throughUs: number): void {
    for (const [start, e] of this.#open) if (e.endUs <= throughUs) this.#open.delete(start);
  }

  /** A closed window never comes back. */
  closed(windowStartUs: number): void {
    this.#open.delete(windowStartUs);
  }
}
