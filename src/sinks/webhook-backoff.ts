// How long delivery waits after consecutive failed attempts: doubling from `baseMs`, never above `capMs`, so a
// receiver that is down for a minute is tried a handful of times, and one down for a day once per cap. Jitter
// (up to a fifth less) keeps many daemons that failed together from retrying in lockstep.

export interface Backoff {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, capMs: 30_000 };

/** The wait after `failures` (>= 1) consecutive failures; `random` in [0, 1). */
export function backoffMs(failures: number, b: Backoff = DEFAULT_BACKOFF, random: number = Math.random()): number {
  const exp = Math.min(b.capMs, b.baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(exp * (1 - 0.2 * random));
}
