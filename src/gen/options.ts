// `logpulse gen` options: genlogs_v2.py's flags and defaults plus SPEC §6's additions, checked up front so a
// typo fails before any line is written, with a message naming the flag (LP_ERR_ARGS, exit 2).
import { LogpulseError } from '../errors.js';
import { parseSourceUri } from '../sources/uri.js';
import { GEN_FORMATS, type GenFormat } from './formats.js';
import { randomSeed } from './rng.js';

/** `common`: `IP - - [time] …`; `single`: seed 001's `IP - [time] …`; `mixed`: either, per line. */
export type ClfVariant = 'common' | 'single' | 'mixed';

/** What the lines look like: shared by `logpulse gen` and the daemon's `generator:` source. */
export interface LineOptions {
  format: GenFormat;
  /** JSON without spaces (`{"timestamp":"…","ip":…}`); default Python json.dumps spacing. */
  compact: boolean;
  clfVariant: ClfVariant;
  /** URLs are `/resource/1` … `/resource/{urls}`. */
  urls: number;
  methods: readonly string[];
  /** Weights of 200, 404 and 500. */
  statusDist: readonly [number, number, number];
  /** Distinct client IPs to draw from; 0 = four fresh random octets per line, as genlogs_v2.py. */
  users: number;
  /** Share of client IPs (%) that are error users. */
  errorUserPercent: number;
  /** Probability (%) that a request of an error user, or to an error URL, fails (404/500 in statusDist's ratio). */
  errorRate: number;
  /** Share of URLs (%) that are error URLs: `/resource/1` … `/resource/{round(urls × P / 100)}`. */
  errorUrlPercent: number;
  /** Fraction of lines that are late records (`lateBySeconds` behind the newest record written). */
  lateFraction: number;
  lateBySeconds: number;
  /** Fraction of lines that are bad lines of the kinds in bad-lines.ts. */
  malformedFraction: number;
  seed: number;
}

export type OutputSpec =
  | { kind: 'stdout' }
  | { kind: 'tcp-listen'; uri: string; host: string; port: number }
  | { kind: 'tcp'; uri: string; host: string; port: number }
  | { kind: 'kafka'; uri: string; brokers: string[]; topic: string };

export interface GenOptions extends LineOptions {
  /** Lines per second; 0 = as fast as possible. */
  rate: number;
  /** Lines to write before exiting; null = until stopped. */
  count: number | null;
  /**
   * Event time of the first line (µs since the epoch) in simulated time; null = live: each line is stamped
   * with the wall-clock time it was due, as genlogs_v2.py's utcnow().
   */
  startUs: number | null;
  /** Simulated time with --rate > 0: event time runs `speed` × wall time (line i at start + i × speed / rate). */
  speed: number;
  /** Simulated time with --rate 0: event time advances this many milliseconds per line. */
  stepMs: number;
  out: OutputSpec;
  /** Print a JSON summary of what was written (per kind of bad line, late lines) to stderr at exit. */
  stats: boolean;
}

export const GEN_DEFAULTS = {
  urls: 10,
  rate: 1,
  format: 'json',
  methods: ['GET', 'POST', 'PUT', 'DELETE'],
  statusDist: [90, 5, 5],
  clfVariant: 'common',
  users: 0,
  errorUserPercent: 0,
  errorRate: 50,
  errorUrlPercent: 0,
  lateFraction: 0,
  lateBySeconds: 60,
  malformedFraction: 0,
  speed: 1,
  stepMs: 1,
  out: 'stdout',
} as const;

/** The line options `logpulse gen` uses with no flags (genlogs_v2.py's), for a given seed. */
export function defaultLineOptions(seed: number, overrides: Partial<LineOptions> = {}): LineOptions {
  const d = GEN_DEFAULTS;
  return {
    format: d.format,
    compact: false,
    clfVariant: d.clfVariant,
    urls: d.urls,
    methods: d.methods,
    statusDist: d.statusDist,
    users: d.users,
    errorUserPercent: d.errorUserPercent,
    errorRate: d.errorRate,
    errorUrlPercent: d.errorUrlPercent,
    lateFraction: d.lateFraction,
    lateBySeconds: d.lateBySeconds,
    malformedFraction: d.malformedFraction,
    seed,
    ...overrides,
  };
}

/** As commander hands them over: strings, string lists for the variadic flags, booleans for switches. */
export interface RawGenOptions {
  urls?: string;
  rate?: string;
  format?: string;
  compact?: boolean;
  clfVariant?: string;
  methods?: string[];
  statusDist?: string[];
  users?: string;
  errorUserPercent?: string;
  errorRate?: string;
  errorUrlPercent?: string;
  lateFraction?: string;
  lateBy?: string;
  malformedFraction?: string;
  count?: string;
  seed?: string;
  start?: string;
  speed?: string;
  step?: string;
  out?: string;
  stats?: boolean;
  /** A logpulse config file: `--out kafka://` takes its `kafka.security` section. */
  config?: string;
}

function argError(message: string): LogpulseError {
  return new LogpulseError('LP_ERR_ARGS', message);
}

function num(flag: string, text: string | undefined, fallback: number, ok: (n: number) => boolean, what: string): number {
  if (text === undefined) return fallback;
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || !ok(n)) throw argError(`${flag} must be ${what}, got "${text}"`);
  return n;
}

const isInt = (min: number, max = Number.MAX_SAFE_INTEGER) => (n: number) => Number.isSafeInteger(n) && n >= min && n <= max;
const inRange = (min: number, max: number) => (n: number) => n >= min && n <= max;

/** HTTP token characters (RFC 9110) — never a space, quote or `;`, so every format stays parseable. */
const METHOD = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}$/;
const ISO_START = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?(Z|[+-]\d\d:\d\d))?$/;

/** `--start`: ISO 8601 with `Z` or an offset (or a bare date, UTC midnight), years 1970–9000, to the µs. */
export function parseStart(text: string): number {
  const m = ISO_START.exec(text.trim());
  const bad = () => argError(`--start must be an ISO 8601 time with Z or an offset (e.g. 2025-06-09T09:42:40Z), got "${text}"`);
  if (m === null) throw bad();
  const [, y, mo, d, hh = '00', mi = '00', ss = '00', frac = '', zone = 'Z'] = m;
  const ms = Date.parse(`${y}-${mo}-${d}T${hh}:${mi}:${ss}${zone}`);
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (!Number.isFinite(ms) || check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) throw bad();
  const us = ms * 1000 + Number(frac.padEnd(6, '0'));
  if (Number(y) < 1970 || Number(y) > 9000 || us < 0) throw argError(`--start must be between the years 1970 and 9000, got "${text}"`);
  return us;
}

/** `--out`: stdout, tcp-listen://HOST:PORT, tcp://HOST:PORT, kafka://BROKERS/TOPIC (PLAINTEXT). */
export function parseOut(text: string): OutputSpec {
  const t = text.trim();
  if (t === 'stdout' || t === '-') return { kind: 'stdout' };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(t)?.[1]?.toLowerCase();
  if (scheme !== 'tcp' && scheme !== 'tcp-listen' && scheme !== 'kafka') {
    throw argError(`--out must be stdout, tcp-listen://HOST:PORT, tcp://HOST:PORT or kafka://BROKERS/TOPIC, got "${text}"`);
  }
  try {
    const spec = parseSourceUri(t);
    if (spec.kind === 'tcp' || spec.kind === 'tcp-listen') return { kind: spec.kind, uri: spec.uri, host: spec.host, port: spec.port };
    if (spec.kind === 'kafka') {
      if (spec.group !== null || spec.startingOffsets !== null || spec.endingOffsets !== null) throw new Error('kafka:// as an output takes no options');
      return { kind: 'kafka', uri: spec.uri, brokers: spec.brokers, topic: spec.topic };
    }
  } catch (err) {
    throw argError(`--out: ${(err as Error).message.replace(/^LP_ERR_SOURCE_URI: /, '')}`);
  }
  throw argError(`--out must be stdout, tcp-listen://HOST:PORT, tcp://HOST:PORT or kafka://BROKERS/TOPIC, got "${text}"`);
}

function oneOf<T extends string>(flag: string, text: string | undefined, values: readonly T[], fallback: T): T {
  if (text === undefined) return fallback;
  if (!(values as readonly string[]).includes(text)) throw argError(`${flag} must be one of ${values.join(', ')}, got "${text}"`);
  return text as T;
}

/** Checks every flag and fills in the defaults. `nowUs` anchors simulated time when --start is absent. */
export function resolveGenOptions(raw: RawGenOptions, nowUs: number): GenOptions {
  const format = oneOf('--format', raw.format, GEN_FORMATS, GEN_DEFAULTS.format);
  if (raw.compact === true && format !== 'json') throw argError('--compact applies to --format json only');
  const out = parseOut(raw.out ?? GEN_DEFAULTS.out);
  if (raw.config !== undefined && out.kind !== 'kafka') throw argError('-c/--config applies to --out kafka:// only (its kafka.security)');
  if (raw.clfVariant !== undefined && format !== 'clf') throw argError('--clf-variant applies to --format clf only');
  const clfVariant = oneOf('--clf-variant', raw.clfVariant, ['common', 'single', 'mixed'] as const, GEN_DEFAULTS.clfVariant);

  const methods = raw.methods ?? [...GEN_DEFAULTS.methods];
  if (methods.length === 0) throw argError('--methods needs at least one method');
  for (const m of methods) {
    if (!METHOD.test(m)) throw argError(`--methods: "${m}" is not an HTTP method token (1–32 letters, digits or !#$%&'*+.^_\`|~-)`);
  }

  let statusDist: [number, number, number] = [...GEN_DEFAULTS.statusDist];
  if (raw.statusDist !== undefined) {
    if (raw.statusDist.length !== 3) throw argError(`--status-dist takes 3 weights (200, 404, 500), got ${raw.statusDist.length}`);
    statusDist = raw.statusDist.map((w) => num('--status-dist', w, 0, (n) => n >= 0, 'three numbers >= 0')) as [number, number, number];
    if (statusDist[0] + statusDist[1] + statusDist[2] <= 0) throw argError('--status-dist weights must not all be 0');
  }

  const rate = num('--rate', raw.rate, GEN_DEFAULTS.rate, (n) => n >= 0, 'a number of lines per second >= 0 (0 = as fast as possible)');
  if (raw.speed !== undefined && rate === 0) {
    throw argError('--speed needs --rate > 0 (with --rate 0, event time advances by --step per line)');
  }
  if (raw.step !== undefined && rate !== 0) throw argError('--step applies with --rate 0 only (with --rate > 0, use --speed)');
  const speed = num('--speed', raw.speed, GEN_DEFAULTS.speed, (n) => n > 0, 'a number > 0');
  const stepMs = num('--step', raw.step, GEN_DEFAULTS.stepMs, (n) => n >= 0 && n <= 86_400_000, 'a number of milliseconds from 0 to 86400000');
  // Simulated time when anything asks for it; otherwise live wall-clock stamps, as genlogs_v2.py.
  const simulated = raw.start !== undefined || raw.speed !== undefined || raw.step !== undefined;
  const startUs = raw.start !== undefined ? parseStart(raw.start) : simulated ? nowUs : null;

  const lateFraction = num('--late-fraction', raw.lateFraction, 0, inRange(0, 1), 'a fraction between 0 and 1');
  const malformedFraction = num('--malformed-fraction', raw.malformedFraction, 0, inRange(0, 1), 'a fraction between 0 and 1');
  if (lateFraction + malformedFraction > 1) throw argError('--late-fraction plus --malformed-fraction must not exceed 1');

  return {
    format,
    compact: raw.compact === true,
    clfVariant,
    urls: num('--urls', raw.urls, GEN_DEFAULTS.urls, isInt(1, 1_000_000_000), 'an integer from 1 to 1000000000'),
    methods,
    statusDist,
    users: num('--users', raw.users, GEN_DEFAULTS.users, isInt(0, 10_000_000), 'an integer from 0 to 10000000 (0 = a random IP per line)'),
    errorUserPercent: num('--error-user-percent', raw.errorUserPercent, 0, inRange(0, 100), 'a percentage from 0 to 100'),
    errorRate: num('--error-rate', raw.errorRate, GEN_DEFAULTS.errorRate, inRange(0, 100), 'a percentage from 0 to 100'),
    errorUrlPercent: num('--error-url-percent', raw.errorUrlPercent, 0, inRange(0, 100), 'a percentage from 0 to 100'),
    lateFraction,
    lateBySeconds: num('--late-by', raw.lateBy, GEN_DEFAULTS.lateBySeconds, inRange(1, 86_400 * 365), 'a number of seconds from 1 to 31536000'),
    malformedFraction,
    seed: num('--seed', raw.seed, randomSeed(), isInt(0), 'an integer >= 0'),
    rate,
    count: raw.count === undefined ? null : num('--count', raw.count, 0, isInt(0), 'an integer >= 0'),
    startUs,
    speed,
    stepMs,
    out,
    stats: raw.stats === true,
  };
}
