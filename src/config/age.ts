// Retention ages in the config (`output.retention.maxAge`, `archive.retention.maxAge`): like durations
// (duration.ts) but counted in days and weeks too, and without the 24.8-day cap of Node timers (an age is
// compared with file times, never put on a timer): "7d", "2w", "36h", or a whole number of milliseconds.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const AGE_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** The accepted forms, worded for error messages and docs. */
export const AGE_FORMS = 'a number followed by ms, s, m, h, d or w (e.g. "7d", "36h", "2w"), or a whole number of milliseconds';

export type AgeResult = { ok: true; ms: number } | { ok: false; message: string };

/** Parses an age to milliseconds; the message of a failure never repeats the input. */
export function parseAge(input: string | number): AgeResult {
  let ms: number;
  if (typeof input === 'number') {
    ms = input;
  } else {
    const m = AGE_RE.exec(input);
    if (m === null) return fail();
    ms = Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
  }
  if (!Number.isSafeInteger(ms) || ms < 0) return fail();
  return { ok: true, ms };
}

/** Shortest exact text of an age in days or smaller units ("7d", "36h", "90s"), for logs and `logpulse validate`. */
export function formatAge(ms: number): string {
  for (const [unit, size] of [['d', UNIT_MS.d], ['h', UNIT_MS.h], ['m', UNIT_MS.m], ['s', UNIT_MS.s]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function fail(): AgeResult {
  return { ok: false, message: `must be an age: ${AGE_FORMS}` };
}
