// Summaries of repeated measurements. The machine is shared and noisy, so every e2e number is reported as the
// median of its runs with the min and max beside it (never the mean, which mostly measures the neighbours),
// and the raw runs are kept in the results file.

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Every run's value, in run order. */
  runs: number[];
}

/** Linear-interpolated percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function summarize(runs: number[]): Summary {
  const finite = runs.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs };
  return { median: percentile(finite, 50), min: Math.min(...finite), max: Math.max(...finite), runs };
}

/** Summaries of every numeric field of a list of run records, by field name. */
export function summarizeFields<T extends object, K extends keyof T>(rows: T[], keys: readonly K[]): Record<K, Summary> {
  const out = {} as Record<K, Summary>;
  for (const k of keys) out[k] = summarize(rows.map((r) => Number(r[k])));
  return out;
}

/** `2.65 M`, `312 k`, `950`: three significant figures, for tables and the console. */
export function si(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toPrecision(3)} G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)} M`;
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)} k`;
  return a >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

/** `2.65 M (2.41–2.70 M)`: a summary as the tables show it. */
export function showSummary(s: Summary, fmt: (v: number) => string = si): string {
  if (!Number.isFinite(s.median)) return '—';
  return s.runs.length > 1 ? `${fmt(s.median)} (${fmt(s.min)} – ${fmt(s.max)})` : fmt(s.median);
}

/** Least-squares slope of y over x (units of y per unit of x); NaN for fewer than two distinct x. */
export function leastSquaresSlope(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  if (n < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i]!;
    sy += y[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}
