// Rate control shared by `logpulse gen` and the daemon's `generator:` source: how many lines are due now, from
// the clock rather than from timer counts, so late timers never make the rate drift.

/** After a stall (a slow reader, GC, no client) at most this much backlog is caught up; the rest is skipped. */
const MAX_BACKLOG_S = 1;

export class Pacer {
  readonly rate: number;
  /** performance.now() at which line `#anchorLine` is due; line n is due `(n - anchor) / rate` seconds later. */
  #anchorMs = 0;
  #anchorLine = 0;

  /** `rate`: lines per second, > 0. */
  constructor(rate: number) {
    this.rate = rate;
  }

  /** Start (or resume after a pause) with line `nextLine` due at once: time not spent generating is not owed. */
  restart(nowMs: number, nextLine: number): void {
    this.#anchorMs = nowMs;
    this.#anchorLine = nextLine;
  }

  /** Lines due at `nowMs` when `made` lines were made so far (>= 0). */
  due(nowMs: number, made: number): number {
    const due = Math.floor(((nowMs - this.#anchorMs) * this.rate) / 1000) + 1 - (made - this.#anchorLine);
    const cap = Math.max(1, Math.ceil(this.rate * MAX_BACKLOG_S));
    if (due > cap) {
      // Skip what is beyond the cap: the cap's last line is due now, the others just before it.
      this.#anchorMs = nowMs;
      this.#anchorLine = made + cap - 1;
      return cap;
    }
    return Math.max(0, due);
  }

  /** Milliseconds from `nowMs` until line `line` is due (<= 0: due already). */
  msUntil(line: number, nowMs: number): number {
    return this.scheduledMs(line) - nowMs;
  }

  /** performance.now() time line `line` is (or was) due at. */
  scheduledMs(line: number): number {
    return this.#anchorMs + ((line - this.#anchorLine) * 1000) / this.rate;
  }
}
