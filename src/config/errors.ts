// Coded errors of logpulse, in one place so every code, its meaning and its exit code can be found here.
// Other modules add their codes to ERROR_CODES rather than inventing strings where they throw.

/** Every coded error: what it means and the process exit code it leads to (SPEC §1: 2 = config/arguments, 1 = runtime). */
export const ERROR_CODES = {
  LP_ERR_CONFIG: { exitCode: 2, summary: 'the configuration is invalid' },
  LP_ERR_CONFIG_FILE: { exitCode: 2, summary: 'the configuration file cannot be read or parsed' },
  LP_ERR_DURATION: { exitCode: 2, summary: 'a duration is not in an accepted form' },
  LP_ERR_ARGS: { exitCode: 2, summary: 'a command-line argument is invalid' },
  // Thrown by the native module (its message starts with the code); listed so the code is known here too.
  LP_ERR_NATIVE_OPTION: { exitCode: 2, summary: 'an option given to the native core is invalid' },
  LP_ERR_NATIVE_SNAPSHOT: { exitCode: 1, summary: 'a shard snapshot cannot be restored' },
  LP_ERR_NATIVE_PARTIALS: { exitCode: 1, summary: 'window partials cannot be merged' },
  // Codes other modules raise with `.code` set; listed so every code and its exit status is in one place.
  LP_ERR_SOURCE_URI: { exitCode: 2, summary: 'a source URI is invalid' },
  LP_ERR_SOURCE_UNAVAILABLE: { exitCode: 2, summary: 'the source kind is not available in this version' },
  LP_ERR_SOURCE_FILE: { exitCode: 1, summary: 'a file source cannot be read' },
  LP_ERR_SOURCE_LISTEN: { exitCode: 1, summary: 'a tcp-listen source cannot listen' },
  LP_ERR_SOURCE_STATE: { exitCode: 1, summary: 'a source was started twice or after stop' },
  LP_ERR_SINK_OPTION: { exitCode: 1, summary: 'an output sink option is invalid' },
  LP_ERR_SINK_CLOSED: { exitCode: 1, summary: 'an output sink was written after close' },
  LP_ERR_SINK_PARTIAL_LINE: { exitCode: 1, summary: 'an output sink was given bytes not ending in a newline' },
  LP_ERR_SINK_IO: { exitCode: 1, summary: 'an output file could not be written' },
  LP_ERR_SINK_DESTROYED: { exitCode: 1, summary: 'an output sink was destroyed before its data was durable' },
  LP_ERR_GEN_OUTPUT: { exitCode: 1, summary: 'the generator cannot write to its output' },
  LP_ERR_CHECKPOINT: { exitCode: 1, summary: 'the checkpoint file is not a logpulse checkpoint' },
} as const satisfies Record<string, { exitCode: 1 | 2; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable code. `message` starts with the code so logs and stderr can be grepped for it. */
export class LogpulseError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'LogpulseError';
    this.code = code;
  }

  get exitCode(): 1 | 2 {
    return ERROR_CODES[this.code].exitCode;
  }
}

/**
 * One thing wrong with a configuration. `path` is the dotted key path (`pipeline.window`, `alerts.rules[1].threshold`),
 * `(root)` for the document as a whole, or the file path for a file that cannot be read or parsed.
 * Messages never contain configured values or environment variable values (they may be secrets).
 */
export interface ConfigProblem {
  path: string;
  message: string;
  /** 1-based line in the config file, when the problem points at something written in it. */
  line?: number;
  /** 1-based column, for syntax errors. */
  column?: number;
}

/** The one-line form printed by `logpulse validate` and logged on a rejected reload: `path: message (line N)`. */
export function formatProblem(problem: ConfigProblem): string {
  const column = problem.column === undefined ? '' : `, column ${problem.column}`;
  const where = problem.line === undefined ? '' : ` (line ${problem.line}${column})`;
  return `${problem.path}: ${problem.message}${where}`;
}

/** Thrown by callers that want an exception rather than a result (e.g. `run` at startup); carries every problem. */
export class ConfigError extends LogpulseError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], code: 'LP_ERR_CONFIG' | 'LP_ERR_CONFIG_FILE' = 'LP_ERR_CONFIG') {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(code, `${count}\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
