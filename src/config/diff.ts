// What changed between two resolved configs, key by key (a reload logs these and decides from them what applies
// in place and what rebuilds the daemon). Keys are named as in the file (`pipeline.window`, not `windowMs`); a list
// (`alerts.rules`, `api.corsOrigins`, `kafka.brokers`) is one key. Values are never part of the answer: a changed
// `api.token` is named, not shown.
import type { Config } from './types.js';

export interface ConfigChange {
  /** The key as the file and the README name it: `console.every`, `alerts.rules`. */
  key: string;
  /** Where it is in a resolved `Config`: `['console', 'everyMs']`. */
  path: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every leaf key whose value differs, in the order of the `Config` type. */
export function configChanges(a: Config, b: Config): ConfigChange[] {
  const out: ConfigChange[] = [];
  const walk = (x: unknown, y: unknown, path: string[]): void => {
    if (isObject(x) && isObject(y)) {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) walk(x[k], y[k], [...path, k]);
      return;
    }
    if (JSON.stringify(x) === JSON.stringify(y)) return;
    // Resolved durations are `…Ms`; the file's key has no unit.
    out.push({ key: path.map((p) => p.replace(/Ms$/, '')).join('.'), path });
  };
  walk(a, b, []);
  return out;
}

/** `config` with the values of `changes` taken from `from` (a copy; neither argument is modified). */
export function withChanges(config: Config, from: Config, changes: readonly ConfigChange[]): Config {
  const next = structuredClone(config);
  for (const { path } of changes) {
    let to = next as unknown as Record<string, unknown>;
    let src = from as unknown as Record<string, unknown>;
    for (const seg of path.slice(0, -1)) {
      to = to[seg] as Record<string, unknown>;
      src = src[seg] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    to[last] = structuredClone(src[last]);
  }
  return next;
}
