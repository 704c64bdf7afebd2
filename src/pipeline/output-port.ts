// The one port through which everything the pipeline produces leaves it. The daemon's `Outputs` implements it
// (files, console, results.txt, Kafka alerts); tests implement it in memory. The pipeline never knows which
// sinks exist, how they rotate or where an alert goes.
import type { AlertRuleType } from '../config/types.js';
import type { WindowSummary } from '../native.js';

/** An alert of SPEC §5, exactly as written to `alerts/` files, the Kafka topic and the webhook. */
export interface Alert {
  /** Upper-case form of `rule`, as the seed's alerts carried (`ERRORS_PER_STATUS`, `GLOBAL_ERROR_RATE`, …). */
  type: string;
  /** The rule that fired: `errors_per_status`, `global_error_rate`, `url_error_rate`, `ip_error_rate`. */
  rule: AlertRuleType;
  /** ISO 8601 UTC with milliseconds, as in metrics rows. */
  window_start: string;
  window_end: string;
  /** What the rule groups by: a status (`"500"`), a URL, an IP, or `"all"`. */
  group: string;
  /** An error count for `errors_per_status`, a fraction in 0..1 for the rate rules. */
  value: number;
  threshold: number;
  message: string;
  /** ISO 8601 UTC wall-clock time the alert fired. */
  emitted_at: string;
}

/**
 * One window as people see it live: a running window (counts summed over shards so far) or a closed one
 * (final numbers from the merger). Times in µs since the epoch.
 */
export interface WindowRow {
  windowStartUs: number;
  windowEndUs: number;
  requests: number;
  errors: number;
  /** NaN while the window is open (sketches are only merged at close): shown as `-`. */
  uniqueIps: number;
  /** Error statuses seen in the window with their counts (any order). */
  statuses: { status: number; count: number }[];
  /** Closed by the watermark (final numbers) rather than still open (running numbers). */
  closed: boolean;
}

export interface OutputPort {
  /** Error records, newline-JSON, as the shards serialized them. */
  errors(lines: Buffer): void;
  /** Rejected lines, newline-JSON `{"reason","source","line"}`. */
  rejected(lines: Buffer): void;
  /** A shard's closed-window partials (mergeable sketches), kept where daemons are merged later. */
  partials(bytes: Uint8Array): void;
  /** Windows closed on every shard and merged: their metrics rows (newline-JSON) and summaries. */
  closedWindows(rows: Buffer, windows: WindowSummary[]): void;
  /** Running totals of open windows that changed, summed over shards. */
  openWindows(windows: WindowRow[]): void;
  /** An alert as it fires (at most once per rule, window and group). */
  alert(alert: Alert): void;
  /** Valid records and errors counted since the last call. */
  counters(records: number, errors: number): void;
  /** Bytes accepted but not yet durable: the pipeline pauses its source while this is too high. */
  readonly pendingBytes: number;
  /** An output cannot be written now (a full, read-only or removed disk): the pipeline pauses its source meanwhile. */
  readonly failing?: boolean;
}
