// Shapes shared by the sinks and their producers, and the sinks' coded errors.

/** One window as the console shows it: a closed window from the merger, or a running one. Times in µs since epoch. */
export interface WindowRow {
  windowStartUs: number;
  windowEndUs: number;
  requests: number;
  errors: number;
  /** NaN while the window is open (sketches are only merged at close): shown as `-`. */
  uniqueIps: number;
  /** Error statuses seen in the window with their counts (any order; the console sorts them). */
  statuses: { status: number; count: number }[];
  /** Closed by the watermark (final numbers) rather than still open (running numbers). */
  closed: boolean;
}

/** An alert of SPEC §5, exactly as written to `alerts/` files, the Kafka topic and the webhook. */
export interface Alert {
  /** Upper-case form of `rule`, as the seed's alerts carried (`ERRORS_PER_STATUS`, `GLOBAL_ERROR_RATE`, …). */
  type: string;
  /** The rule that fired: `errors_per_status`, `global_error_rate`, `url_error_rate`, `ip_error_rate`. */
  rule: string;
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

// Coded errors of the sinks. They belong in the project's single errors module once one exists; they are
// here because the sinks were written before it.
export type SinkErrorCode =
  /** A constructor option is invalid; the message names it. */
  | 'LP_ERR_SINK_OPTION'
  /** `write` after `close()` (or `destroy()`). */
  | 'LP_ERR_SINK_CLOSED'
  /** `write` given bytes that do not end with a newline: a file could end mid-record. */
  | 'LP_ERR_SINK_PARTIAL_LINE'
  /** A file-system call failed; the sink keeps the bytes and retries. Reported through `onError`. */
  | 'LP_ERR_SINK_IO'
  /** `destroy()` gave up on pending bytes; the pending `rotate()`/`close()` promises reject with it. */
  | 'LP_ERR_SINK_DESTROYED';

export class SinkError extends Error {
  readonly code: SinkErrorCode;
  /** The file or directory concerned, when there is one. */
  readonly path: string | undefined;
  /** The failed system call's errno code (`ENOSPC`, …), for `LP_ERR_SINK_IO`. */
  readonly syscallCode: string | undefined;

  constructor(code: SinkErrorCode, message: string, extra: { path?: string; syscallCode?: string; cause?: unknown } = {}) {
    super(`${code}: ${message}`, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'SinkError';
    this.code = code;
    this.path = extra.path;
    this.syscallCode = extra.syscallCode;
  }
}
