// Durations in the config: "500ms", "10s", "1.5m", "1h", or a whole number of milliseconds.
// One unit per value (no "1m30s") keeps the form obvious; "90s" says the same thing.

import { LogpulseError } from '../errors.js';

/** Largest duration accepted: Node timers overflow above 2^31-1 ms (~24.8 days) and fire at once. */
export const MAX_DURATION_MS = 2_147_483_647;

/** The accepted forms, worded for error messages and docs. */
export const DURATION_FORMS =
  'a number followed by ms, s, m or h (e.g. "500ms", "10s", "1.5m", "1h"), or a whole number of milliseconds';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

/**
 * Parses a duration to milliseconds. The message of a failure never repeats the input (it may come from an
 * environment variable), so callers can show it next to the key path as is.
 */
export function parseDuration(input: string | number): DurationResult {
  let ms: number;
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0) return fail();
    ms = input;
  } else {
    const m = DURATION_RE.exec(input);
    if (m === null) return fail();
    // Round away float noise ("0.1s" * 1000 = 100.00000000000001) before checking the result is whole.
    ms = Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] * 1e6) / 1e6;
    if (!Number.isInteger(ms)) return { ok: false, message: 'must be a whole number of milliseconds' };
  }
  if (ms > MAX_DURATION_MS) return { ok: false, message: 'must be at most 2147483647ms (about 24.8 days, the limit of Node timers)' };
  return { ok: true, ms };
}

/** `parseDuration` for callers that want an exception (CLI flags, code); this message does quote the input. */
export function durationMs(input: string | number): number {
  const r = parseDuration(input);
  if (r.ok) return r.ms;
  throw new LogpulseError('LP_ERR_DURATION', `invalid duration ${JSON.stringify(input)}: ${r.message}`);
}

/** Shortest exact text for a number of milliseconds ("30s", "1500ms", "5m"), for logs and docs. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function fail(): DurationResult {
  return { ok: false, message: `must be a duration: ${DURATION_FORMS}` };
}
