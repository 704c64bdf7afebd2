// Key paths (`alerts.rules[1].threshold`) and the problems every stage collects against them, ranked so a root
// cause hides the complaints it causes; then the problems as `loadConfig` reports them and `validate` prints them.
// (Problems are not error codes: a config that fails is LP_ERR_CONFIG or LP_ERR_CONFIG_FILE, see ../errors.ts.)

import { redactText } from '../redact.js';

export type Seg = string | number;
export const ROOT = '(root)';

/** `['alerts', 'rules', 1, 'threshold']` → `alerts.rules[1].threshold`. */
export function formatPath(segs: readonly Seg[]): string {
  if (segs.length === 0) return ROOT;
  let out = '';
  for (const s of segs) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

export interface Problem {
  segs: Seg[];
  message: string;
  /** A problem hides lower-rank problems at its path or below (a missing ${VAR} hides the type error it causes). */
  rank: number;
}

export const RANK = { normal: 0, type: 1, interpolation: 2, credentials: 3 } as const;

export class Problems {
  private readonly items: Problem[] = [];

  add(...problems: Problem[]): void {
    this.items.push(...problems);
  }

  list(): Problem[] {
    const out: Problem[] = [];
    const seen = new Set<string>();
    for (const p of this.items) {
      const hidden = this.items.some((q) => q.rank > p.rank && isUnder(p.segs, q.segs));
      const key = `${formatPath(p.segs)}\0${p.message}`;
      if (!hidden && !seen.has(key)) {
        seen.add(key);
        out.push(p);
      }
    }
    return out;
  }
}

function isUnder(segs: readonly Seg[], prefix: readonly Seg[]): boolean {
  return prefix.length <= segs.length && prefix.every((s, i) => segs[i] === s);
}

export function problem(segs: Seg[], message: string, rank: number = RANK.normal): Problem {
  return { segs, message, rank };
}

/** A mapping of keys, as opposed to null, a list or a scalar; every stage that walks the data asks this. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * One thing wrong with a configuration. `path` is the dotted key path (`pipeline.window`, `alerts.rules[1].threshold`),
 * `(root)` for the document as a whole, or the file path for a file that cannot be read or parsed.
 * Messages never contain configured values or environment variable values (they may be secrets), but for the
 * parts of a `source` or `kafka.brokers` the source-URI grammar names: never a credential (see load.ts).
 */
export interface ConfigProblem {
  path: string;
  message: string;
  /** 1-based line in the config file, when the problem points at something written in it. */
  line?: number;
  /** 1-based column, for syntax errors. */
  column?: number;
}

/**
 * The one-line form printed by `logpulse validate` and logged on a rejected reload: `path: message (line N)`.
 * Scrubbed by redact.ts too (the environment's secrets and URL passwords), in case a message lets a value through.
 */
export function formatProblem(problem: ConfigProblem): string {
  const column = problem.column === undefined ? '' : `, column ${problem.column}`;
  const where = problem.line === undefined ? '' : ` (line ${problem.line}${column})`;
  return redactText(`${problem.path}: ${problem.message}${where}`);
}
