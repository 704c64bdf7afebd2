// Loading a config: file → YAML/JSON → ${ENV} interpolation → flag overrides → schema (Ajv) → cross-field checks →
// the resolved, fully defaulted `Config` with durations in milliseconds.
//
// Every stage collects problems instead of stopping at the first, so `logpulse validate` (and a rejected SIGHUP
// reload) shows all of them at once, each with its key path.
//
// Types are never coerced (`port: "8080"` in a file is an error: quoting it was a choice), with one exception:
// a value that is exactly one `${VAR}` placeholder, or that comes from a command-line flag, is text only because
// environment variables and argv are text, so it takes the type the key expects when it is a valid literal of it
// (`port: ${API_PORT}`, `--workers 4`, `window: ${WINDOW_MS}` as milliseconds).
//
// No value from the file or the environment ever appears in a problem message: passwords, tokens and URLs with
// credentials end up in configs, and validation output ends up in CI logs. The one exception is what the
// source-URI grammar (sources/uri.ts) names in `source` and `kafka.brokers` problems, a scheme, port, broker,
// topic or a known option's value, never credentials nor the value of an option it does not know.

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import { crossChecks } from './cross-checks.js';
import type { ConfigProblem } from './problems.js';
import { interpolate } from './interpolate.js';
import { applyOverrides, coerceAt } from './overrides.js';
import { formatPath, isPlainObject, Problems, ROOT, type Seg } from './problems.js';
import { rememberSecrets, secretsOf } from '../redact.js';
import { resolve } from './resolve.js';
import { translateAjvError, validateSchema } from './schema-errors.js';
import type { ConfigFile } from './schema.js';
import type { Config, ConfigResult, Env, FlagOverrides, LoadOptions } from './types.js';

export { formatPath, type Seg } from './problems.js';
export type { AlertRule, Config, ConfigResult, Env, FlagOverrides, LoadOptions, RateRuleType } from './types.js';

// ───────────────────────────── entry points ─────────────────────────────

/**
 * Loads the config file at `path` (YAML or JSON; YAML is a superset), or the embedded default when `path` is
 * undefined (SPEC §1: the built-in generator source, outputs under ./output). Never throws for a bad config:
 * every problem comes back in the result.
 */
export function loadConfig(path?: string, overrides: FlagOverrides = {}, env: Env = process.env): ConfigResult {
  if (path === undefined) return configFrom({}, { overrides, env });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code ?? err);
    return { ok: false, code: 'LP_ERR_CONFIG_FILE', problems: [{ path, message: `cannot read the config file: ${why}` }] };
  }
  const result = parseConfigText(text, path, { overrides, env });
  return result.ok ? { ...result, file: path } : result;
}

/** Parses config text (YAML or JSON). `name` stands for the file in problems about the text as a whole. */
export function parseConfigText(text: string, name: string, options: LoadOptions = {}): ConfigResult {
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the offending source line, which may hold a secret.
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // One error per line: after the first, the parser's further complaints on that line are its consequences.
    const problems = new Map<number, ConfigProblem>();
    const lines = text.split('\n');
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0]);
      if (!problems.has(pos.line)) {
        // `{ workers: ${W} }`: YAML reads the placeholder's braces as a flow mapping; quoted, it is a value.
        const hint = (lines[pos.line - 1] ?? '').includes('${') ? ' (a `${VAR}` inside `{ … }` or `[ … ]` must be quoted: "${VAR}")' : '';
        problems.set(pos.line, { path: name, message: `invalid YAML/JSON: ${yamlMessage(e.message)}${hint}`, line: pos.line, column: pos.col });
      }
    }
    return { ok: false, code: 'LP_ERR_CONFIG_FILE', problems: [...problems.values()] };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }); // bounds alias expansion ("billion laughs")
  } catch (err) {
    return { ok: false, code: 'LP_ERR_CONFIG_FILE', problems: [{ path: name, message: `invalid YAML: ${yamlMessage((err as Error).message)}` }] };
  }
  return configFrom(data ?? {}, options, (segs) => lineOf(doc, lineCounter, segs));
}

/**
 * Validates and resolves an already-parsed config object (the file's content). For tests and embedders; `data` is
 * not modified. `lineOf` maps a key path to its line in the source text, when there is one.
 */
export function configFrom(
  data: unknown,
  options: LoadOptions = {},
  lineOf: (segs: readonly Seg[]) => number | undefined = () => undefined,
): ConfigResult {
  const env = options.env ?? process.env;
  const collector = new Problems();
  if (!isPlainObject(data)) {
    return { ok: false, code: 'LP_ERR_CONFIG', problems: [{ path: ROOT, message: 'must be a mapping of keys (an object)' }] };
  }
  const work = structuredClone(data);
  const whole = interpolate(work, [], env, collector);
  for (const segs of whole) coerceAt(work, segs);
  const flagPaths = applyOverrides(work, options.overrides ?? {});

  if (!validateSchema(work)) {
    for (const e of validateSchema.errors ?? []) collector.add(...translateAjvError(e, work));
  }
  crossChecks(work, collector, env);

  const problems = collector.list().map(({ segs, message }): ConfigProblem => {
    const key = formatPath(segs);
    const flag = flagPaths.get(key);
    if (flag !== undefined) return { path: key, message: `${message} (from ${flag})` };
    const line = lineOf(segs);
    return line === undefined ? { path: key, message } : { path: key, message, line };
  });
  // File order reads best; problems from flags (no line) go last. Array.prototype.sort is stable.
  const lineKey = (p: ConfigProblem): number => p.line ?? Number.MAX_SAFE_INTEGER;
  problems.sort((a, b) => lineKey(a) - lineKey(b));
  if (problems.length > 0) return { ok: false, code: 'LP_ERR_CONFIG', problems };
  const config = resolve(work as ConfigFile, env);
  // From here on its secrets are scrubbed from every log line and error this process writes (../redact.ts).
  rememberSecrets(secretsOf(config, env));
  return { ok: true, config, file: null };
}

/**
 * A copy safe to log: secrets replaced — the API token, and a webhook URL's path and query (a Slack-style
 * webhook URL is itself the credential). Kafka credentials are never in a Config (they come from the environment).
 */
export function redactConfig(config: Config): Config {
  const webhook = config.alerts.webhook === null ? null : `${new URL(config.alerts.webhook).origin}/<redacted>`;
  return {
    ...config,
    alerts: { ...config.alerts, webhook },
    api: { ...config.api, token: config.api.token === null ? null : '<redacted>' },
  };
}

// ───────────────────────────── helpers ─────────────────────────────

/** The parser's message without the source text some of them quote after ": " (it may be a secret). */
function yamlMessage(text: string): string {
  const message = (text.split('\n')[0] as string).split(': ')[0] as string;
  // `source: stdin:` is the likeliest way to get here: YAML reads the trailing ":" as a nested mapping.
  if (message.startsWith('Nested mappings are not allowed in compact mappings')) {
    return `${message} (a value ending in ":" must be quoted, e.g. source: "stdin:")`;
  }
  return message;
}

/** Line of the key (or list item) at `segs` in the YAML document, else of its nearest ancestor written there. */
function lineOf(doc: Document, lc: LineCounter, segs: readonly Seg[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const seg of segs) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (item === undefined) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lc.linePos(offset).line;
}
