// Event time of each generated line. Live (genlogs_v2.py's behaviour): the wall-clock time the line was due.
// Simulated (--start / --speed / --step): a fixed step per line from a start, independent of how fast lines are
// actually written — so the same seed and options give the same bytes.
import type { Pacer } from './pacer.js';

export interface EventClock {
  /** Event time (µs since the epoch) of line number `line` (0-based, every line the writer made). */
  at(line: number): number;
  /** Called before each block of lines: a clock that caches a reading drops it here. */
  refresh?(): void;
}

/** start + line × step: --start with --rate 0 (step = --step), or with --rate R (step = speed / R seconds). */
export class StepClock implements EventClock {
  constructor(
    readonly startUs: number,
    readonly stepUs: number,
  ) {}

  at(line: number): number {
    return this.startUs + Math.floor(line * this.stepUs);
  }
}

/** Lines a WallClock reading is shared by: at 2–3 M lines/s they span ~3 µs, and reading costs ~100 ns a time. */
const LINES_PER_READING = 8;

/** Live with --rate 0: the wall clock when the line is made (read once per LINES_PER_READING lines). */
export class WallClock implements EventClock {
  #left = 0;
  #us = 0;

  at(): number {
    if (this.#left === 0) {
      this.#us = wallClockUs();
      this.#left = LINES_PER_READING;
    }
    this.#left--;
    return this.#us;
  }

  refresh(): void {
    this.#left = 0;
  }
}

/** Live with --rate R: the wall-clock moment the pacer scheduled the line for, so lines are evenly spaced. */
export class ScheduledClock implements EventClock {
  constructor(readonly pacer: Pacer) {}

  at(line: number): number {
    return perfToWallUs(this.pacer.scheduledMs(line));
  }
}

// performance.now() is cheap and monotonic but has no epoch; Date.now() has one but only millisecond steps.
// Map one onto the other once, at a millisecond edge of Date.now() so the mapping is accurate to a few µs,
// and again if the system clock is stepped (NTP) by more than RESYNC_US.
const RESYNC_US = 50_000;
let originWallUs = Number.NaN;
let originPerfMs = 0;
let checkedAtMs = Number.NEGATIVE_INFINITY;

function sync(): void {
  const start = Date.now();
  let now = start;
  const giveUp = performance.now() + 2;
  while (now === start && performance.now() < giveUp) now = Date.now();
  originPerfMs = performance.now();
  originWallUs = now * 1000;
}

/** Wall-clock microseconds since the epoch, monotonic between re-syncs. */
export function wallClockUs(): number {
  return perfToWallUs(performance.now());
}

/** A `performance.now()` reading as wall-clock microseconds. */
export function perfToWallUs(perfMs: number): number {
  if (Number.isNaN(originWallUs)) sync();
  if (perfMs - checkedAtMs > 1000) {
    checkedAtMs = perfMs;
    const drift = Date.now() * 1000 - (originWallUs + (perfMs - originPerfMs) * 1000);
    if (Math.abs(drift) > RESYNC_US) sync();
  }
  return Math.floor(originWallUs + (perfMs - originPerfMs) * 1000);
}
