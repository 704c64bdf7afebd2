// The sinks' coded errors.

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
