// Byte sizes in the config (`output.retention.maxSize`, `archive.retention.maxSize`): "500MB", "10GiB", "1.5TB",
// or a whole number of bytes. Both decimal (kB, MB, GB, TB: powers of 1000, as disks are sold) and binary (KiB,
// MiB, GiB, TiB: powers of 1024, as `du -h` shows) units, so either habit reads right; no unit means bytes.

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i;

/** The accepted forms, worded for error messages and docs. */
export const BYTE_SIZE_FORMS = 'a number of bytes, or a number followed by B, kB, MB, GB, TB, KiB, MiB, GiB or TiB (e.g. "500MB", "10GiB")';

export type ByteSizeResult = { ok: true; bytes: number } | { ok: false; message: string };

/** Parses a byte size; the message of a failure never repeats the input (it may come from the environment). */
export function parseByteSize(input: string | number): ByteSizeResult {
  if (typeof input === 'number') {
    return Number.isSafeInteger(input) && input >= 0 ? { ok: true, bytes: input } : fail();
  }
  const m = SIZE_RE.exec(input.trim());
  if (m === null) return fail();
  const unit = UNIT_BYTES[(m[2] ?? 'b').toLowerCase()];
  if (unit === undefined) return fail();
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) return { ok: false, message: 'is too large' };
  return { ok: true, bytes };
}

/** The shortest exact text of a number of bytes ("10GiB", "500MB", "123B"), for logs and `logpulse validate`. */
export function formatByteSize(bytes: number): string {
  let best = `${bytes}B`;
  for (const [unit, size] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10], ['TB', 1e12], ['GB', 1e9], ['MB', 1e6], ['kB', 1e3]] as const) {
    const text = `${bytes / size}${unit}`;
    if (bytes >= size && bytes % size === 0 && text.length < best.length) best = text;
  }
  return best;
}

function fail(): ByteSizeResult {
  return { ok: false, message: `must be a byte size: ${BYTE_SIZE_FORMS}` };
}
