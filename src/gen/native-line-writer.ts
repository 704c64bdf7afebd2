// `logpulse gen`'s line writer: the native one (native/core/src/gen, issue 15), making the lines of
// line-writer.ts — same bytes, same order, same stats; that writer is this one's test oracle — several times
// faster, so `gen` → TCP → daemon measures the daemon. The event clock picks the native fill: simulated time
// (StepClock) and the live clock of `--rate 0` (WallClock) run whole in Rust; any other clock (the pacer's
// schedule of `--rate R`) computes its times here, a table per call.
import { GenWriter } from '../native.js';
import { BAD_LINE_KINDS } from './bad-lines.js';
import { type EventClock, StepClock, WallClock, wallClockUs } from './clock.js';
import { emptyStats, type GenStats } from './line-writer.js';
import type { LineOptions } from './options.js';

/** Lines per native call with a clock of this side: its times are computed for at most this many ahead. */
const TABLE_LINES = 4096;

export class NativeLineWriter {
  /** Lines the last `fill` made. */
  lastLines = 0;
  readonly #inner: GenWriter;
  readonly #times = new Float64Array(TABLE_LINES);

  constructor(o: LineOptions) {
    this.#inner = new GenWriter({ ...o, methods: [...o.methods], statusDist: [...o.statusDist] });
  }

  /** Lines made so far. */
  get lines(): number {
    return this.#inner.lines;
  }

  get stats(): GenStats {
    const s = this.#inner.stats();
    const stats = emptyStats();
    stats.lines = s.lines;
    stats.bytes = s.bytes;
    stats.records = s.records;
    stats.late = s.late;
    BAD_LINE_KINDS.forEach((kind, i) => (stats.bad[kind] = s.bad[i] ?? 0));
    return stats;
  }

  /**
   * As LineWriter.fill: up to `maxLines` whole lines into `buf` from offset 0, none started at or past `limit`
   * (`buf.length` >= `limit + LINE_HEADROOM`). Returns the bytes written; `lastLines` says how many lines.
   */
  fill(buf: Buffer, maxLines: number, clock: EventClock, limit: number): number {
    clock.refresh?.();
    const inner = this.#inner;
    if (clock instanceof StepClock) {
      const bytes = inner.fillStep(buf, maxLines, limit, clock.startUs, clock.stepUs);
      this.lastLines = inner.lastLines;
      return bytes;
    }
    if (clock instanceof WallClock) {
      const bytes = inner.fillWall(buf, maxLines, limit, wallClockUs());
      this.lastLines = inner.lastLines;
      return bytes;
    }
    const times = this.#times;
    let pos = 0;
    let made = 0;
    while (made < maxLines && pos < limit) {
      const n = Math.min(TABLE_LINES, maxLines - made);
      const first = inner.lines;
      for (let i = 0; i < n; i++) times[i] = clock.at(first + i);
      pos += inner.fillAt(buf.subarray(pos), limit - pos, times.subarray(0, n));
      made += inner.lastLines;
    }
    this.lastLines = made;
    return pos;
  }
}
