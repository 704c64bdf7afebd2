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
// credentials end up in configs, and validation output ends up in CI logs.

import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import type { TSchema } from '@sinclair/typebox';
import { parseDuration } from './duration.js';
import type { ConfigProblem } from './errors.js';
import {
  ConfigSchema,
  DEFAULT_ERRORS_PER_STATUS_THRESHOLD,
  DEFAULT_MIN_REQUESTS,
  RATE_RULE_TYPES,
  type ConfigFile,
  type FORMATS,
  type KAFKA_MECHANISMS,
  type KAFKA_PROTOCOLS,
  type LOG_LEVELS,
  type STARTING_OFFSETS,
} from './schema.js';

// ───────────────────────────── public types ─────────────────────────────

/** Command-line flags that override config keys (SPEC §1). Undefined = not given. */
export interface FlagOverrides {
  /** `--source URI` → `source` */
  source?: string;
  /** `--format F` → `format` */
  format?: string;
  /** `--output DIR` → `output.dir` */
  output?: string;
  /** `--checkpoint DIR` → `checkpoint.dir` */
  checkpoint?: string;
  /** `--no-api` → `api.enabled: false` (only `true` has an effect, so a CLI default never re-enables the API) */
  noApi?: boolean;
  /** `--workers N` → `pipeline.workers` (argv text is accepted) */
  workers?: number | string;
  /** `logpulse api --host H` → `api.host` */
  host?: string;
  /** `logpulse api --port P` → `api.port` (argv text is accepted) */
  port?: number | string;
}

export type RateRuleType = (typeof RATE_RULE_TYPES)[number];

export type AlertRule =
  | { type: 'errors_per_status'; threshold: number }
  | { type: RateRuleType; threshold: number; minRequests: number };

/** The resolved configuration: every key present, durations as integer milliseconds (`…Ms`). */
export interface Config {
  source: string;
  format: (typeof FORMATS)[number];
  csv: { delimiter: string };
  pipeline: {
    errorStatusMin: number;
    windowMs: number;
    watermarkMs: number;
    idleTimeoutMs: number;
    maxFutureSkewMs: number;
    maxUrlsPerWindow: number;
    workers: number;
    chunkBytes: number;
    maxInFlightChunks: number;
  };
  output: { dir: string; rotateEveryMs: number; resultsEveryMs: number };
  console: { enabled: boolean; everyMs: number };
  alerts: { early: boolean; kafkaTopic: string; webhook: string | null; rules: AlertRule[] };
  kafka: {
    /** From `kafka.brokers`, split on commas; null when not configured (a kafka:// source carries its own). */
    brokers: string[] | null;
    group: string;
    startingOffsets: (typeof STARTING_OFFSETS)[number];
    /** Credentials are not here: the Kafka client reads KAFKA_USERNAME / KAFKA_PASSWORD itself. */
    security: {
      protocol: (typeof KAFKA_PROTOCOLS)[number];
      mechanism: (typeof KAFKA_MECHANISMS)[number];
      caFile: string | null;
    };
  };
  archive: { enabled: boolean; dir: string };
  checkpoint: { dir: string };
  /** `token`: LOGPULSE_API_TOKEN if set and not empty, else `api.token`; null = no auth. Log via `redactConfig`. */
  api: { enabled: boolean; host: string; port: number; token: string | null };
  limits: { maxLineBytes: number };
  shutdownTimeoutMs: number;
  log: { level: (typeof LOG_LEVELS)[number] };
}

export type ConfigResult =
  | { ok: true; config: Config; /** the file read, null for the embedded default */ file: string | null }
  | { ok: false; code: 'LP_ERR_CONFIG' | 'LP_ERR_CONFIG_FILE'; problems: ConfigProblem[] };

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadOptions {
  overrides?: FlagOverrides;
  /** Environment for `${VAR}` and LOGPULSE_API_TOKEN; default `process.env`. */
  env?: Env;
}

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
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0]);
      if (!problems.has(pos.line)) {
        problems.set(pos.line, { path: name, message: `invalid YAML/JSON: ${yamlMessage(e.message)}`, line: pos.line, column: pos.col });
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
  crossChecks(work, collector);

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
  return { ok: true, config: resolve(work as ConfigFile, env), file: null };
}

/** A copy safe to log: secrets replaced. */
export function redactConfig(config: Config): Config {
  return { ...config, api: { ...config.api, token: config.api.token === null ? null : '<redacted>' } };
}

// ───────────────────────────── paths and problems ─────────────────────────────

export type Seg = string | number;
const ROOT = '(root)';

/** `['alerts', 'rules', 1, 'threshold']` → `alerts.rules[1].threshold`. */
export function formatPath(segs: readonly Seg[]): string {
  if (segs.length === 0) return ROOT;
  let out = '';
  for (const s of segs) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

interface Problem {
  segs: Seg[];
  message: string;
  /** A problem hides lower-rank problems at its path or below (a missing ${VAR} hides the type error it causes). */
  rank: number;
}

const RANK = { normal: 0, type: 1, interpolation: 2, credentials: 3 } as const;

class Problems {
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

function problem(segs: Seg[], message: string, rank: number = RANK.normal): Problem {
  return { segs, message, rank };
}

// ───────────────────────────── ${ENV} interpolation ─────────────────────────────

const PLACEHOLDER = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` (default when unset or empty, as in sh) in every string value, in place.
 * `$${` writes a literal `${`. Keys are not interpolated. Returns the paths whose value was one whole placeholder.
 */
function interpolate(node: unknown, segs: Seg[], env: Env, out: Problems): Seg[][] {
  const whole: Seg[][] = [];
  const visit = (value: unknown, at: Seg[], set: (v: unknown) => void): void => {
    if (typeof value === 'string') {
      if (!value.includes('${')) return;
      const r = interpolateString(value, env);
      if (r.problem !== undefined) out.add(problem(at, r.problem, RANK.interpolation));
      else set(r.value);
      if (r.whole) whole.push(at);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...at, i], (nv) => (value[i] = nv)));
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, [...at, k], (nv) => (value[k] = nv));
    }
  };
  visit(node, segs, () => undefined);
  return whole;
}

function interpolateString(
  text: string,
  env: Env,
): { value: string; whole: boolean; problem?: string } {
  let problemText: string | undefined;
  let placeholders = 0;
  const value = text.replace(PLACEHOLDER, (match: string, body: string | undefined) => {
    if (match === '$${') return '${';
    placeholders += 1;
    if (body === undefined) {
      problemText ??= 'has an unterminated placeholder: use ${NAME} or ${NAME:-default}';
      return match;
    }
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!NAME_RE.test(name)) {
      problemText ??= 'has an invalid placeholder: use ${NAME} or ${NAME:-default}, NAME made of letters, digits and _';
      return match;
    }
    const set = env[name];
    if (sep !== -1) return set === undefined || set === '' ? body.slice(sep + 2) : set;
    if (set === undefined) {
      problemText ??= `environment variable ${name} is not set (give a default with \${${name}:-value})`;
      return match;
    }
    return set;
  });
  const whole = placeholders === 1 && /^\$\{[^}]*\}$/.test(text);
  return problemText === undefined ? { value, whole } : { value: text, whole, problem: problemText };
}

// ───────────────────────────── flag overrides and text coercion ─────────────────────────────

const FLAG_KEYS: ReadonlyArray<[keyof FlagOverrides, string, Seg[]]> = [
  ['source', '--source', ['source']],
  ['format', '--format', ['format']],
  ['output', '--output', ['output', 'dir']],
  ['checkpoint', '--checkpoint', ['checkpoint', 'dir']],
  ['workers', '--workers', ['pipeline', 'workers']],
  ['host', '--host', ['api', 'host']],
  ['port', '--port', ['api', 'port']],
];

/** Writes flag values over the file's keys; returns formatted key path → flag name, for messages. */
function applyOverrides(data: Record<string, unknown>, flags: FlagOverrides): Map<string, string> {
  const applied = new Map<string, string>();
  const set = (segs: Seg[], value: unknown, flag: string): void => {
    let parent: Record<string, unknown> = data;
    for (const s of segs.slice(0, -1)) {
      parent[s] ??= {};
      const next = parent[s];
      // The file has a non-object here: its own type error is the problem to report.
      if (!isPlainObject(next)) return;
      parent = next;
    }
    parent[segs[segs.length - 1] as string] = value;
    applied.set(formatPath(segs), flag);
    coerceAt(data, segs);
  };
  for (const [key, flag, segs] of FLAG_KEYS) {
    if (flags[key] !== undefined) set(segs, flags[key], flag);
  }
  if (flags.noApi === true) set(['api', 'enabled'], false, '--no-api');
  return applied;
}

/** The schema of the key at `segs`, or undefined for a key the schema does not have. */
function schemaAt(segs: readonly Seg[]): TSchema | undefined {
  let s: TSchema | undefined = ConfigSchema;
  for (const seg of segs) {
    if (s === undefined) return undefined;
    s = typeof seg === 'number' ? (s.items as TSchema | undefined) : (s.properties as Record<string, TSchema> | undefined)?.[seg];
  }
  return s;
}

/** Converts the text at `segs` to the first non-string type its key accepts, if it is a valid literal of it. */
function coerceAt(data: Record<string, unknown>, segs: readonly Seg[]): void {
  const schema = schemaAt(segs);
  if (schema === undefined) return;
  let parent: unknown = data;
  for (const s of segs.slice(0, -1)) parent = (parent as Record<Seg, unknown>)[s];
  const last = segs[segs.length - 1] as Seg;
  const container = parent as Record<Seg, unknown>;
  const value = container[last];
  if (typeof value !== 'string') return;
  const types: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  for (const t of types) {
    if (t === 'integer' && /^-?\d+$/.test(value)) return void (container[last] = Number(value));
    if (t === 'number' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) return void (container[last] = Number(value));
    if (t === 'boolean' && (value === 'true' || value === 'false')) return void (container[last] = value === 'true');
  }
}

// ───────────────────────────── schema validation ─────────────────────────────

const ajv = new Ajv({
  allErrors: true, // every problem, not the first
  useDefaults: true, // missing keys take the schema's defaults
  coerceTypes: false, // see the header: the only coercion is ours, for ${VAR} and flags
  strict: true,
  allowUnionTypes: true, // durations are `string | integer`
  verbose: true, // errors carry their schema, for messages that state both bounds of a range
});
ajv.addFormat('duration', { type: 'string', validate: (s: string) => parseDuration(s).ok });
const validateSchema = ajv.compile(ConfigSchema);

/** Keys under `kafka` that look like credentials get a message that says where credentials go. */
const CREDENTIAL_KEY = /user|pass|secret|credential|sasl|jaas/i;

function translateAjvError(e: ErrorObject, data: unknown): Problem[] {
  const segs = pointerToSegs(e.instancePath, data);
  const schema = (e.parentSchema ?? {}) as TSchema;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      if (segs[0] === 'kafka' && CREDENTIAL_KEY.test(key)) {
        return [
          problem(
            [...segs, key],
            'credentials are never read from the config file: set the KAFKA_USERNAME and KAFKA_PASSWORD environment variables',
            RANK.credentials,
          ),
        ];
      }
      const known = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
      const guess = suggest(key, known);
      return [problem([...segs, key], guess === undefined ? 'unknown key' : `unknown key (did you mean "${guess}"?)`)];
    }
    case 'required':
      return [problem([...segs, String(params.missingProperty)], 'is required')];
    case 'type': {
      // A wrong type hides the enum/range complaints about the same value.
      if (e.data === null) return [problem(segs, 'has no value: give one, or remove the key to get its default', RANK.type)];
      const message = schema.format === 'duration' ? durationMessage(e.data) : typeMessage(String(params.type));
      return [problem(segs, message, RANK.type)];
    }
    case 'format':
      return [problem(segs, durationMessage(e.data))];
    case 'enum':
      return [problem(segs, `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`)];
    case 'minimum':
    case 'maximum':
      if (schema.format === 'duration') return [problem(segs, durationMessage(e.data))];
      if (schema.minimum !== undefined && schema.maximum !== undefined) {
        return [problem(segs, `must be between ${schema.minimum} and ${schema.maximum}`)];
      }
      return [problem(segs, e.keyword === 'minimum' ? `must be >= ${params.limit}` : `must be <= ${params.limit}`)];
    case 'minLength':
      return [problem(segs, params.limit === 1 ? 'must not be empty' : `must be at least ${params.limit} characters`)];
    default:
      return [problem(segs, e.message ?? 'is invalid')];
  }
}

function durationMessage(value: unknown): string {
  const r = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : parseDuration(-1);
  return r.ok ? 'is invalid' : r.message;
}

function typeMessage(type: string): string {
  const words: Record<string, string> = {
    string: 'must be a string',
    integer: 'must be a whole number',
    number: 'must be a number',
    boolean: 'must be true or false',
    object: 'must be a mapping of keys (an object)',
    array: 'must be a list',
  };
  return words[type] ?? `must be of type ${type}`;
}

/** JSON pointer → path segments; indices of arrays become numbers (so they print as `[1]`). */
function pointerToSegs(pointer: string, data: unknown): Seg[] {
  if (pointer === '') return [];
  const segs: Seg[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg: Seg = Array.isArray(node) ? Number(key) : key;
    segs.push(seg);
    node = node !== null && typeof node === 'object' ? (node as Record<Seg, unknown>)[seg] : undefined;
  }
  return segs;
}

/** The closest known key within 2 edits (or differing only in case), for "did you mean". */
function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

// ───────────────────────────── cross-field checks ─────────────────────────────

/** Smallest value of each duration key, with the reason shown when it is below. */
const DURATION_KEYS: ReadonlyArray<[Seg[], number, string]> = [
  [['pipeline', 'window'], 1, 'must be greater than 0'],
  [['pipeline', 'watermark'], 0, ''],
  [['pipeline', 'idleTimeout'], 1, 'must be greater than 0'],
  [['pipeline', 'maxFutureSkew'], 0, ''],
  [['output', 'rotateEvery'], 100, 'must be at least 100ms (each rotation completes a file)'],
  [['output', 'resultsEvery'], 1_000, 'must be at least 1s'],
  [['console', 'every'], 100, 'must be at least 100ms'],
  [['shutdownTimeout'], 1, 'must be greater than 0'],
];

/** Open windows per shard a watermark may keep: each holds HyperLogLog sketches and URL counts. */
const MAX_WINDOWS_HELD = 1_000;

/** Checks that span keys or go beyond what JSON Schema says well. Tolerates values the schema already rejected. */
function crossChecks(data: Record<string, unknown>, out: Problems): void {
  const ms = new Map<string, number>();
  for (const [segs, min, why] of DURATION_KEYS) {
    const v = get(data, segs);
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    const r = parseDuration(v);
    if (!r.ok) continue; // reported by the schema's format/type check
    if (r.ms < min) out.add(problem(segs, why));
    else ms.set(formatPath(segs), r.ms);
  }
  const window = ms.get('pipeline.window');
  const watermark = ms.get('pipeline.watermark');
  if (window !== undefined && watermark !== undefined && watermark > window * MAX_WINDOWS_HELD) {
    out.add(
      problem(
        ['pipeline', 'watermark'],
        `must be at most ${MAX_WINDOWS_HELD} windows (pipeline.window x ${MAX_WINDOWS_HELD}): a longer delay keeps that many windows open per worker`,
      ),
    );
  }

  checkSource(get(data, ['source']), out);
  checkRules(get(data, ['alerts', 'rules']), out);

  const webhook = get(data, ['alerts', 'webhook']);
  if (typeof webhook === 'string' && !isHttpUrl(webhook)) {
    out.add(problem(['alerts', 'webhook'], 'must be an http:// or https:// URL'));
  }

  const delimiter = get(data, ['csv', 'delimiter']);
  if (typeof delimiter === 'string' && (delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || /[\r\n]/.test(delimiter))) {
    out.add(problem(['csv', 'delimiter'], 'must be exactly one ASCII character, not a newline'));
  }

  const brokers = get(data, ['kafka', 'brokers']);
  if (typeof brokers === 'string' && brokers !== '' && !brokers.split(',').every((b) => isHostPort(b))) {
    out.add(problem(['kafka', 'brokers'], 'must be a comma-separated list of host:port'));
  }

  const protocol = get(data, ['kafka', 'security', 'protocol']);
  if (get(data, ['kafka', 'security', 'caFile']) !== undefined && (protocol === 'PLAINTEXT' || protocol === 'SASL_PLAINTEXT')) {
    out.add(problem(['kafka', 'security', 'caFile'], 'is used only with kafka.security.protocol SSL or SASL_SSL'));
  }
}

const SOURCE_FORMS =
  'must be one of generator:, stdin:, file:PATH, tcp://HOST:PORT, tcp-listen://HOST:PORT or kafka://BROKERS/TOPIC';

/** Only the shape of the URI; the sources check their own options when they are created. */
function checkSource(source: unknown, out: Problems): void {
  if (typeof source !== 'string' || source === '') return;
  const at: Seg[] = ['source'];
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(source)?.[1]?.toLowerCase();
  const rest = source.slice((scheme?.length ?? 0) + 1);
  switch (scheme) {
    case 'generator':
    case 'stdin':
      if (rest !== '' && !rest.startsWith('?')) out.add(problem(at, `${SOURCE_FORMS} (options go after "?")`));
      return;
    case 'file':
      if (rest.replace(/^\/\//, '').split('?')[0] === '') out.add(problem(at, 'file: needs a path (file:PATH)'));
      return;
    case 'tcp':
    case 'tcp-listen': {
      const m = /^\/\/([^/?#]+)\/?(\?.*)?$/.exec(rest);
      if (m === null || !isHostPort(m[1] as string, scheme === 'tcp-listen')) {
        out.add(problem(at, `${scheme}:// needs HOST:PORT with a port of ${scheme === 'tcp' ? '1' : '0'}-65535 (e.g. ${scheme}://127.0.0.1:9999)`));
      }
      return;
    }
    case 'kafka': {
      const m = /^\/\/([^/?#]+)\/([^/?#]+)(\?.*)?$/.exec(rest);
      if (m === null || !(m[1] as string).split(',').every((b) => isHostPort(b))) {
        out.add(problem(at, 'kafka:// needs BROKERS/TOPIC with BROKERS a comma-separated list of host:port (e.g. kafka://127.0.0.1:9092/http-logs)'));
      } else if (!/^[A-Za-z0-9._-]{1,249}$/.test(m[2] as string)) {
        out.add(problem(at, 'the Kafka topic may only contain letters, digits, ".", "_" and "-"'));
      }
      return;
    }
    default:
      out.add(problem(at, SOURCE_FORMS));
  }
}

function checkRules(rules: unknown, out: Problems): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((rule: unknown, i) => {
    if (!isPlainObject(rule)) return;
    const at: Seg[] = ['alerts', 'rules', i];
    const { type, threshold, minRequests } = rule;
    if (type === 'errors_per_status') {
      if (typeof threshold === 'number' && !(Number.isInteger(threshold) && threshold >= 0)) {
        out.add(problem([...at, 'threshold'], 'must be a whole number >= 0 for errors_per_status (an error count)'));
      }
      if (minRequests !== undefined) {
        out.add(problem([...at, 'minRequests'], 'applies only to the rate rules (global_error_rate, url_error_rate, ip_error_rate)'));
      }
    } else if ((RATE_RULE_TYPES as readonly unknown[]).includes(type)) {
      if (threshold === undefined) {
        out.add(problem([...at, 'threshold'], `is required for ${String(type)} (a fraction between 0 and 1, e.g. 0.025 for 2.5 %)`));
      } else if (typeof threshold === 'number' && !(threshold >= 0 && threshold <= 1)) {
        out.add(problem([...at, 'threshold'], `must be a fraction between 0 and 1 for ${String(type)} (e.g. 0.025 for 2.5 %)`));
      }
    }
  });
}

function isHostPort(text: string, allowPortZero = false): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text.trim());
  if (m === null) return false;
  const port = Number(m[2]);
  return port <= 65_535 && (port > 0 || allowPortZero);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

// ───────────────────────────── resolution ─────────────────────────────

function resolve(f: ConfigFile, env: Env): Config {
  const ms = (v: string | number): number => {
    const r = parseDuration(v);
    if (!r.ok) throw new Error(`unreachable: duration passed validation but not parsing (${r.message})`);
    return r.ms;
  };
  const envToken = env.LOGPULSE_API_TOKEN;
  const token = envToken !== undefined && envToken !== '' ? envToken : f.api.token !== undefined && f.api.token !== '' ? f.api.token : null;
  return {
    source: f.source,
    format: f.format,
    csv: { delimiter: f.csv.delimiter },
    pipeline: {
      errorStatusMin: f.pipeline.errorStatusMin,
      windowMs: ms(f.pipeline.window),
      watermarkMs: ms(f.pipeline.watermark),
      idleTimeoutMs: ms(f.pipeline.idleTimeout),
      maxFutureSkewMs: ms(f.pipeline.maxFutureSkew),
      maxUrlsPerWindow: f.pipeline.maxUrlsPerWindow,
      workers: f.pipeline.workers,
      chunkBytes: f.pipeline.chunkBytes,
      maxInFlightChunks: f.pipeline.maxInFlightChunks,
    },
    output: { dir: f.output.dir, rotateEveryMs: ms(f.output.rotateEvery), resultsEveryMs: ms(f.output.resultsEvery) },
    console: { enabled: f.console.enabled, everyMs: ms(f.console.every) },
    alerts: {
      early: f.alerts.early,
      kafkaTopic: f.alerts.kafkaTopic,
      webhook: f.alerts.webhook ?? null,
      rules: f.alerts.rules.map((r): AlertRule =>
        r.type === 'errors_per_status'
          ? { type: r.type, threshold: r.threshold ?? DEFAULT_ERRORS_PER_STATUS_THRESHOLD }
          : { type: r.type, threshold: r.threshold as number, minRequests: r.minRequests ?? DEFAULT_MIN_REQUESTS[r.type] },
      ),
    },
    kafka: {
      brokers: f.kafka.brokers === undefined ? null : f.kafka.brokers.split(',').map((b) => b.trim()),
      group: f.kafka.group,
      startingOffsets: f.kafka.startingOffsets,
      security: {
        protocol: f.kafka.security.protocol,
        mechanism: f.kafka.security.mechanism,
        caFile: f.kafka.security.caFile ?? null,
      },
    },
    archive: { enabled: f.archive.enabled, dir: f.archive.dir },
    checkpoint: { dir: f.checkpoint.dir },
    api: { enabled: f.api.enabled, host: f.api.host, port: f.api.port, token },
    limits: { maxLineBytes: f.limits.maxLineBytes },
    shutdownTimeoutMs: ms(f.shutdownTimeout),
    log: { level: f.log.level },
  };
}

// ───────────────────────────── helpers ─────────────────────────────

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function get(data: unknown, segs: readonly Seg[]): unknown {
  let node = data;
  for (const s of segs) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<Seg, unknown>)[s];
  }
  return node;
}

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
