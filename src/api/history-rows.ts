// The rows /windows and /alerts list (SPEC §3 metrics rows, SPEC §5 alerts): their identity, which decides what is the
// same row seen twice (in the in-memory ring and in a file just completed, or in two files after a crash), and
// their order.
import type { Alert } from '../pipeline/output-port.js';

/** A metrics row as written to `metrics/`: a `summary` row per window and a `status` row per error status. */
export interface WindowRowJson {
  kind: 'summary' | 'status';
  window_start: string;
  window_end: string;
  status?: number;
  [field: string]: unknown;
}

/** The time keys alerts can be filtered on, in the order of `alertTimes`. */
export const ALERT_TIME_KEYS = ['window_start', 'emitted_at'] as const;
export type AlertTimeKey = (typeof ALERT_TIME_KEYS)[number];

export const windowTimes = (r: WindowRowJson): readonly number[] => [Date.parse(r.window_start)];
export const alertTimes = (a: Alert): readonly number[] => [Date.parse(a.window_start), Date.parse(a.emitted_at)];

/** One summary row per window, one status row per (window, status). */
export const windowIdentity = (r: WindowRowJson): string => `${r.window_start}|${r.kind}|${r.status ?? ''}`;

/** The alert engine fires at most once per (rule, window, group). */
export const alertIdentity = (a: Alert): string => `${a.rule}|${a.window_start}|${a.group}`;

/** A row with its sort time parsed once (a comparator parsing ISO strings would do it n·log n times). */
export interface Timed<Row> {
  t: number;
  row: Row;
}

/** By window start, the summary row before its status rows, statuses in numeric order. */
export function compareWindows(a: Timed<WindowRowJson>, b: Timed<WindowRowJson>): number {
  return a.t - b.t || (a.row.kind === b.row.kind ? 0 : a.row.kind === 'summary' ? -1 : 1) || (a.row.status ?? 0) - (b.row.status ?? 0);
}

/** By the chosen time, then (equal times) rule, group and the window: a stable order. */
export function compareAlerts(a: Timed<Alert>, b: Timed<Alert>): number {
  return a.t - b.t || cmp(a.row.rule, b.row.rule) || cmp(a.row.group, b.row.group) || cmp(a.row.window_start, b.row.window_start);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
