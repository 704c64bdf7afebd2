// From rows to chart data. A period's history is its closed-window rows (/windows) plus, for the part of the range
// the window files do not reach, the archive's per-minute counts (/minute-stats). Windows and minutes differ in
// length, so the charts plot rates per second: both kinds of point then share one scale.

/** The identity of a metrics row: one summary per window, one status row per (window, status). */
export const windowKey = (row) => `${row.window_start}|${row.kind}|${row.status ?? ''}`;
/** The alert engine fires at most once per (rule, window, group). */
export const alertKey = (a) => `${a.rule}|${a.window_start}|${a.group}`;

/**
 * A period's points, by time: `t` (s since the epoch, the point's start), `seconds` (its length), requests,
 * errors, uniqueIps and errorUniqueIps (null for minutes: the archive's minute counts have none).
 */
export function periodPoints(period) {
  const points = [];
  let firstWindow = Infinity;
  for (const row of period.windows.values()) {
    if (row.kind !== 'summary') continue;
    const start = Date.parse(row.window_start);
    firstWindow = Math.min(firstWindow, start);
    points.push({
      t: start / 1000,
      seconds: (Date.parse(row.window_end) - start) / 1000,
      requests: row.requests,
      errors: row.errors,
      uniqueIps: row.unique_ips,
      errorUniqueIps: row.error_unique_ips,
    });
  }
  for (const m of period.minutes) {
    const start = Date.parse(m.minute);
    if (start + 60_000 > firstWindow) continue; // the windows cover it, more finely
    points.push({ t: start / 1000, seconds: 60, requests: m.requests, errors: m.errors, uniqueIps: null, errorUniqueIps: null });
  }
  return points.sort((a, b) => a.t - b.t);
}

/** Per error status, its points `{t, seconds, count}` by time. */
export function statusPoints(period) {
  const byStatus = new Map();
  for (const row of period.windows.values()) {
    if (row.kind !== 'status') continue;
    const start = Date.parse(row.window_start);
    const list = byStatus.get(row.status) ?? [];
    list.push({ t: start / 1000, seconds: (Date.parse(row.window_end) - start) / 1000, count: row.error_count });
    byStatus.set(row.status, list);
  }
  for (const list of byStatus.values()) list.sort((a, b) => a.t - b.t);
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

/** Sums over a period: requests, errors, their rate, the largest unique-IP count of a window. */
export function totalsOf(points) {
  let requests = 0;
  let errors = 0;
  let peakIps = null;
  for (const p of points) {
    requests += p.requests;
    errors += p.errors;
    if (p.uniqueIps !== null) peakIps = Math.max(peakIps ?? 0, p.uniqueIps);
  }
  return { requests, errors, rate: requests > 0 ? errors / requests : null, peakIps };
}

/**
 * uPlot data (one x array shared by every series) from several point lists: x is the union of their times. A series
 * has `undefined` at another list's x (uPlot draws across it) and `null` just after a point not followed by the next
 * one (the daemon was down, or nothing came: uPlot leaves a gap). `value(p)` picks the y of a point; `shift` (s)
 * moves a list in time (the previous period drawn over this one).
 */
export function aligned(lists) {
  const entries = lists.map(({ points, value, shift = 0 }) => {
    const out = [];
    points.forEach((p, i) => {
      out.push([p.t + shift, value(p)]);
      const next = points[i + 1];
      if (next !== undefined && next.t - p.t > 1.5 * p.seconds) out.push([p.t + p.seconds + shift, null]);
    });
    return out;
  });
  const xs = [...new Set(entries.flatMap((e) => e.map(([x]) => x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = entries.map((e) => {
    const y = new Array(xs.length).fill(undefined);
    for (const [x, v] of e) y[index.get(x)] = v;
    return y;
  });
  return [xs, ...ys];
}

export const perSecond = (field) => (p) => (p[field] === null ? null : p[field] / p.seconds);
export const errorRate = (p) => (p.requests > 0 ? p.errors / p.requests : null);

/** Error URLs summed over the status rows' `top_urls` (the fallback when the archive's /url-stats is not there). */
export function topErrorUrls(period) {
  const counts = new Map();
  for (const row of period.windows.values()) {
    if (row.kind !== 'status') continue;
    for (const { url, count } of row.top_urls ?? []) counts.set(url, (counts.get(url) ?? 0) + count);
  }
  return [...counts].map(([url, errors]) => ({ url, errors }));
}

/** Errors per status over the period: total, share of all errors, the most in one window. */
export function statusTotals(period) {
  const rows = [];
  let all = 0;
  for (const [status, points] of statusPoints(period)) {
    const errors = points.reduce((s, p) => s + p.count, 0);
    all += errors;
    rows.push({ status, errors, peak: Math.max(...points.map((p) => p.count)) });
  }
  for (const r of rows) r.share = all > 0 ? r.errors / all : 0;
  return rows;
}
