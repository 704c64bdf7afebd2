// `limits.rejectedPerSecond`: a flood of bad input (a producer gone wrong, a hostile one) must not turn into a flood
// of rejected/ files filling the disk. A token bucket over the wall clock: up to one second's worth at once, then
// `perSecond` lines a second; the rest are dropped here, before any file, and counted. The per-reason counters
// (`logpulse_rejected_total`) are the shards' and count every rejected line whether it is written or not.
//
// Which lines a flood keeps depends on timing, so a crash replay (README, Crashes and restarts) of a stretch that
// went over the cap may keep other lines of it than the run that crashed would have: each written line is still
// written once, and the counters stay exact. Below the cap nothing depends on timing.
import type { Logger } from '../log.js';

/** Told at most once per `WARN_EVERY_MS` while lines are dropped. */
export type DropWarning = (details: { dropped: number; perSecond: number }) => void;

export interface RejectedLimitOptions {
  perSecond: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
  warn?: DropWarning;
}

const WARN_EVERY_MS = 30_000;
const NEWLINE = 0x0a;

export class RejectedLimit {
  #perSecond: number;
  #tokens: number;
  #at: number;
  readonly #now: () => number;
  readonly #warn: DropWarning;
  #warnedAt = Number.NEGATIVE_INFINITY;
  /** Lines dropped since this limit was made (the daemon keeps one for its life). */
  dropped = 0;

  constructor(o: RejectedLimitOptions) {
    this.#now = o.now ?? Date.now;
    this.#perSecond = o.perSecond;
    this.#tokens = o.perSecond;
    this.#at = this.#now();
    this.#warn = o.warn ?? (() => {});
  }

  /** A reload changed `limits.rejectedPerSecond`: the bucket keeps what it holds, up to the new size. */
  setPerSecond(perSecond: number): void {
    this.#refill();
    this.#perSecond = perSecond;
    this.#tokens = Math.min(this.#tokens, perSecond);
  }

  /** The leading lines of `lines` (newline-JSON, one rejected line each) that may be written now; the rest are counted as dropped. */
  take(lines: Buffer): Buffer {
    this.#refill();
    const allowed = Math.floor(this.#tokens);
    let end = 0;
    let kept = 0;
    while (kept < allowed) {
      const nl = lines.indexOf(NEWLINE, end);
      if (nl < 0) break;
      end = nl + 1;
      kept++;
    }
    this.#tokens -= kept;
    if (end === lines.length) return lines;
    const dropped = countLines(lines, end);
    this.dropped += dropped;
    const t = this.#now();
    if (t - this.#warnedAt >= WARN_EVERY_MS) {
      this.#warnedAt = t;
      this.#warn({ dropped: this.dropped, perSecond: this.#perSecond });
    }
    return lines.subarray(0, end);
  }

  #refill(): void {
    const t = this.#now();
    const elapsed = Math.max(0, t - this.#at);
    this.#at = t;
    this.#tokens = Math.min(this.#perSecond, this.#tokens + (elapsed * this.#perSecond) / 1000);
  }
}

/** Lines from `from` on; a last one without its newline counts too (the shards always end them). */
function countLines(buf: Buffer, from: number): number {
  let n = 0;
  let at = from;
  for (;;) {
    const nl = buf.indexOf(NEWLINE, at);
    if (nl < 0) return at < buf.length ? n + 1 : n;
    n++;
    at = nl + 1;
  }
}

/** The daemon's cap: drops are logged as a warning (at most every 30 s) with the running count. */
export function rejectedLimitFor(perSecond: number, log: Pick<Logger, 'warn'>): RejectedLimit {
  return new RejectedLimit({
    perSecond,
    warn: (details) => log.warn(details, 'rejected lines over limits.rejectedPerSecond are counted but not written to rejected/'),
  });
}
