// Every error code a user can see, defined once with the exit code it leads to and what it means (the way
// fastify's lib/errors.js and Piscina's src/errors.ts keep theirs). Errors are made with
// `new LogpulseError(code, message)`, so a code cannot be thrown without being listed here, and the message
// starts with the code, so stderr and logs can be grepped for it.
//
// The native module cannot import this file: it puts the code at the start of its error messages by hand, and
// its codes are listed here too. test/errors.test.ts fails on any code in src/ or native/ that this list lacks,
// and on a README "Errors" table (`npm run docs:errors`) that does not match it.

/** SPEC §1: 2 = invalid config or arguments, 1 = runtime failure; 0 for the one code that is not a failure. */
export type ExitCode = 0 | 1 | 2;

export interface ErrorSpec {
  exitCode: ExitCode;
  /** One line, for the README table. */
  meaning: string;
}

export const ERRORS = {
  // Configuration and arguments.
  LP_ERR_CONFIG: { exitCode: 2, meaning: 'the configuration is invalid; every problem is printed with its key path' },
  LP_ERR_CONFIG_FILE: { exitCode: 2, meaning: 'the configuration file cannot be read or parsed' },
  LP_ERR_DURATION: { exitCode: 2, meaning: 'a duration is not in an accepted form (`500ms`, `10s`, `5m`, `1h` or milliseconds)' },
  LP_ERR_ARGS: { exitCode: 2, meaning: 'a command-line argument is invalid; the message names the flag' },
  LP_ERR_SOURCE_URI: { exitCode: 2, meaning: 'a source URI is invalid; the message names the part' },
  LP_ERR_SOURCE_OPTION: { exitCode: 2, meaning: 'an option of the `generator:` source is out of range' },
  LP_ERR_KAFKA_CONFIG: { exitCode: 2, meaning: '`kafka.security` needs credentials (`KAFKA_USERNAME`, `KAFKA_PASSWORD`) the environment lacks' },

  // Sources.
  LP_ERR_SOURCE_FILE: { exitCode: 1, meaning: 'a `file:` source cannot be read (no such file, a directory, permission denied)' },
  LP_ERR_SOURCE_LISTEN: { exitCode: 1, meaning: 'a `tcp-listen:` source cannot listen (address in use, permission denied)' },
  LP_ERR_SOURCE_STATE: { exitCode: 1, meaning: 'a source was started twice or after stop (a bug, not an input problem)' },
  LP_ERR_KAFKA: { exitCode: 1, meaning: 'the Kafka brokers refuse the daemon for good (credentials, TLS, authorization); the message says what to check' },
  LP_ERR_CLUSTER: { exitCode: 1, meaning: 'cluster mode cannot use its state topic (not allowed to create, write or read it; brokers away): at start the daemon warns and writes per-daemon rows, later a cut fails and is retried' },
  LP_ERR_STOPPED: { exitCode: 0, meaning: 'a stop signal came while a `kafka://` source was still waiting for its brokers: not a failure' },

  // Outputs and state.
  LP_ERR_SINK_OPTION: { exitCode: 1, meaning: 'an output sink was given an invalid option (a bug: options come from a validated config)' },
  LP_ERR_SINK_CLOSED: { exitCode: 1, meaning: 'an output sink was written after close' },
  LP_ERR_SINK_PARTIAL_LINE: { exitCode: 1, meaning: 'an output sink was given bytes not ending in a newline' },
  LP_ERR_SINK_IO: { exitCode: 1, meaning: 'an output file cannot be written; its bytes stay in memory and the write is retried' },
  LP_ERR_SINK_DESTROYED: { exitCode: 1, meaning: 'an output sink gave up (shutdown deadline) before its bytes were durable' },
  LP_ERR_ARCHIVE: { exitCode: 1, meaning: 'a Parquet archive cut cannot be written (the message names the file and the OS error); the sources pause and the cut is retried until it writes, its rows kept' },
  LP_ERR_CHECKPOINT: { exitCode: 1, meaning: 'the checkpoint cannot be used (corrupt, another format version, a state that cannot be restored): the start stops, the file stays; `--reset-checkpoint` moves it aside' },
  LP_ERR_API_LISTEN: { exitCode: 1, meaning: 'the HTTP API cannot listen on `api.host`:`api.port` (address in use, permission denied); set another port or pass `--no-api`' },
  LP_ERR_GEN_OUTPUT: { exitCode: 1, meaning: '`logpulse gen` cannot open or write to its `--out`' },
  LP_ERR_PID_FILE: { exitCode: 1, meaning: '`logpulse run --pid-file` cannot write its pid file, or `logpulse reload` cannot read one (no such file, not a process id)' },
  LP_ERR_RELOAD: { exitCode: 1, meaning: '`logpulse reload` cannot signal the daemon: no such process (a stale pid file?) or not permitted' },

  // Batch layer.
  LP_ERR_BATCH_INPUT: { exitCode: 1, meaning: '`logpulse batch` cannot read the archive (a corrupt Parquet file or compaction journal, named in the message): no view is published' },
  LP_ERR_BATCH_OUTPUT: { exitCode: 1, meaning: '`logpulse batch` cannot write its views or manifest under `batch.dir`: the previous batch stays published' },
  LP_ERR_BATCH_ENGINE: { exitCode: 1, meaning: '`logpulse batch --engine spark` cannot run `spark-submit` (not installed: the message says how), or Spark failed for a reason that is neither the archive nor `batch.dir` (its error is in the message): the previous batch stays published' },

  // Thrown by the native module (native/binding/src/lib.rs).
  LP_ERR_NATIVE_VERSION: { exitCode: 1, meaning: 'the native module cannot be loaded or is not the version of the JavaScript (rebuild it: `npm run build:native`)' },
  LP_ERR_NATIVE_OPTION: { exitCode: 2, meaning: 'an option given to the native core is invalid' },
  LP_ERR_NATIVE_SNAPSHOT: { exitCode: 1, meaning: 'a shard snapshot (checkpointed windows) cannot be restored' },
  LP_ERR_NATIVE_ARCHIVE: { exitCode: 1, meaning: 'the native core cannot merge archive files (one is not logpulse Parquet, or the disk refused the write)' },
  LP_ERR_NATIVE_PARTIALS: { exitCode: 1, meaning: 'window partials cannot be merged' },
} as const satisfies Record<`LP_ERR_${string}`, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** What an error is about, beyond its message; set only where there is one. */
export interface ErrorDetails {
  /** The file or directory concerned. */
  path?: string;
  /** The failed system call's errno code (`ENOSPC`, …). */
  syscallCode?: string;
  /** The error this one reports (a system call's, a library's). */
  cause?: unknown;
}

/** The one error class of logpulse. `message` is `CODE: message`. */
export class LogpulseError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly syscallCode: string | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(`${code}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LogpulseError';
    this.code = code;
    this.path = details.path;
    this.syscallCode = details.syscallCode;
  }

  get exitCode(): ExitCode {
    return ERRORS[this.code].exitCode;
  }
}

/** `err` is a LogpulseError with `code`: how callers branch on a code rather than on a class. */
export function hasCode(err: unknown, code: ErrorCode): err is LogpulseError {
  return err instanceof LogpulseError && err.code === code;
}
