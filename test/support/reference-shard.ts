/**
 * The oracle: a deliberately naive TypeScript implementation of native/API.md "Exact rules". The differential
 * tests check the native core against it; bench/micro.ts measures how far the native core is ahead of it.
 *
 * It trades speed for being checkable by reading: whole lines are buffered (no streaming overflow tricks),
 * unique IPs are exact `Set`s of canonical address strings, times are `bigint` microseconds so no precision is
 * lost by accident (JSON epoch numbers are doubles because API.md says so), and every parser is hand-written
 * from the contract instead of borrowing a library whose leniency (Date.parse, JSON.parse's number handling)
 * would silently differ from it.
 *
 * Readings of API.md where it is silent (kept in one place so a reviewer can dispute them):
 * - A trailing partial line handled at endStream/flush also loses one trailing `\r` (end of input acts as `\n`).
 * - "Blank" means only spaces/tabs after that `\r` drop, whatever the length: blank lines are never too_long.
 * - Auto detection skips spaces and tabs before looking for `{`.
 * - ISO/CLF offsets: minutes must be <= 59 (the contract only states hours <= 23).
 * - CSV epoch digits obey the same range as JSON numbers (ms < 253402300800000).
 * - A JSON epoch number that is a whole number of ms is multiplied by 1000 exactly (API.md says "trunc(ms * 1000)
 *   in double arithmetic", which differs only past 2^53 µs, i.e. after the year 2255).
 * - JSON text is also malformed with lone surrogate escapes, nesting deeper than 64, or numbers beyond the
 *   f64 range: the native parser's documented decisions (json.rs), which API.md does not state yet.
 * - A CLF line with empty brackets `[]` matches the grammar; its empty TIME is an invalid_timestamp.
 * - CLF: METHOD/URL/PROTOCOL are runs of bytes other than space and `"`; REFERER/USER_AGENT runs of non-`"`;
 *   a CLF SIZE of digits is written as the integer it denotes.
 * - statusCounts: every (window, status) this call aggregated an error into, with its count at the end of the
 *   call, in first-touch order — including windows that closed later in the same call.
 * - setPeerWatermark has no clock argument: idleness is judged with the `now` of the previous call.
 * - flush keeps the streams (their partial lines consumed) and does not move closedThrough by itself.
 * - lastData only moves when a call actually brings bytes (an empty chunk does not refresh it).
 * - Counters are per call, like every other ProcessResult field.
 * - top_urls is the first 10 of the full URL order, independent of the maxUrlsPerWindow cut.
 */
import { isIPv6 } from 'node:net';

export type Format = 'json' | 'csv' | 'clf' | 'auto';

export interface ReferenceOptions {
  errorStatusMin?: number;
  windowMs?: number;
  watermarkMs?: number;
  idleTimeoutMs?: number;
  maxFutureSkewMs?: number;
  maxUrlsPerWindow?: number;
  maxLineBytes?: number;
  format?: Format;
  csvDelimiter?: string;
}

export type RejectReason =
  | 'malformed'
  | 'missing_field'
  | 'invalid_field'
  | 'invalid_timestamp'
  | 'too_long'
  | 'invalid_utf8'
  | 'future'
  | 'late';

export interface RejectedCounters {
  malformed: number;
  missingField: number;
  invalidField: number;
  invalidTimestamp: number;
  tooLong: number;
  invalidUtf8: number;
  future: number;
  late: number;
}

export interface Counters {
  lines: number;
  bytes: number;
  records: number;
  errors: number;
  late: number;
  /** The reference does not archive: always 0 (the native shard's archive is tested in Rust). */
  archived: number;
  rejected: RejectedCounters;
}

export interface StatusCount {
  windowStartUs: number;
  status: number;
  count: number;
}

/** Per error status of a window: exact sets and counts, so merging and estimating are trivially right. */
export interface ReferenceStatus {
  errorCount: number;
  ips: Set<string>;
  urls: Map<string, number>;
}

/** A closed (or open) window as plain data: what the native side hides in msgpack `partials`. */
export interface ReferenceWindow {
  startUs: bigint;
  endUs: bigint;
  requests: number;
  errors: number;
  ips: Set<string>;
  errorIps: Set<string>;
  statuses: Map<number, ReferenceStatus>;
}

export interface ReferenceResult {
  errors: Buffer;
  rejected: Buffer;
  /** Closed windows of this call, in closing order (the native `partials`, decoded). */
  closed: ReferenceWindow[];
  closedWindows: number;
  statusCounts: StatusCount[];
  watermarkUs: number | null;
  closedThroughUs: number | null;
  counters: Counters;
}

export interface WindowStatusSummary {
  status: number;
  errorCount: number;
  uniqueIps: number;
}

export interface WindowSummary {
  windowStartUs: number;
  windowEndUs: number;
  requests: number;
  errors: number;
  uniqueIps: number;
  errorUniqueIps: number;
  statuses: WindowStatusSummary[];
}

export interface WindowOutput {
  rows: Buffer;
  windows: WindowSummary[];
}

// ---------------------------------------------------------------------------------------------------------
// Small exact-arithmetic helpers
// ---------------------------------------------------------------------------------------------------------

const US_PER_SECOND = 1_000_000n;
/** 10000-01-01T00:00:00Z in ms: the first instant a 4-digit year cannot express. */
export const MAX_EPOCH_MS = 253402300800000n;
/** Rejected records keep at most this many bytes of the raw line (SPEC §4). */
export const REJECT_KEEP_BYTES = 4096;

/** Floor division: window starts of pre-1970 times must round down, not toward zero. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; exact in doubles). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return [year, month, day];
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

function pad(n: number | bigint, width: number): string {
  return n.toString().padStart(width, '0');
}

/** ISO 8601 UTC with `fractionDigits` (3 for window bounds, 6 for re-encoded error records) and `Z`. */
export function formatIsoUtc(us: bigint, fractionDigits: 3 | 6): string {
  const seconds = floorDiv(us, US_PER_SECOND);
  const micros = us - seconds * US_PER_SECOND;
  const days = floorDiv(seconds, 86400n);
  const secOfDay = Number(seconds - days * 86400n);
  const [y, m, d] = civilFromDays(Number(days));
  const hh = Math.floor(secOfDay / 3600);
  const mm = Math.floor((secOfDay % 3600) / 60);
  const ss = secOfDay % 60;
  const frac = pad(micros, 6).slice(0, fractionDigits);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${frac}Z`;
}

/** Calendar/clock validation shared by ISO and CLF, then the UTC instant in µs (null = invalid). */
function civilToUs(
  year: number, month: number, day: number, hour: number, minute: number, second: number,
  fractionUs: bigint, offsetSign: 1 | -1, offsetHours: number, offsetMinutes: number,
): bigint | null {
  if (year < 1 || year > 9999) return null;
  if (month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const localSeconds = BigInt(daysFromCivil(year, month, day)) * 86400n + BigInt(hour * 3600 + minute * 60 + second);
  // Local time = UTC + offset, so UTC = local - offset.
  const offsetSeconds = BigInt(offsetSign * (offsetHours * 3600 + offsetMinutes * 60));
  return (localSeconds - offsetSeconds) * US_PER_SECOND + fractionUs;
}

// `[0-9]` rather than `\d` is deliberate documentation: only ASCII digits are meant (JS `\d` is ASCII anyway).
const ISO_RE =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:(Z)|([+-])([0-9]{2}):?([0-9]{2}))$/;

/** `YYYY-MM-DDTHH:MM:SS[.F{1,9}](Z|±HH:MM|±HHMM)` → µs since the epoch, fraction past 6 digits truncated. */
export function parseIsoTimestamp(text: string): bigint | null {
  const m = ISO_RE.exec(text);
  if (m === null) return null;
  const fraction = BigInt(((m[7] ?? '') + '000000').slice(0, 6));
  const sign: 1 | -1 = m[9] === '-' ? -1 : 1;
  return civilToUs(
    Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), fraction,
    sign, m[8] === 'Z' ? 0 : Number(m[10]), m[8] === 'Z' ? 0 : Number(m[11]),
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const CLF_TIME_RE = /^([0-9]{2})\/([A-Za-z]{3})\/([0-9]{4}):([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/;

/** `dd/Mon/yyyy:HH:MM:SS ±hhmm` (English month abbreviations, exact case) → µs since the epoch. */
export function parseClfTimestamp(text: string): bigint | null {
  const m = CLF_TIME_RE.exec(text);
  if (m === null) return null;
  const month = MONTHS.indexOf(m[2] ?? '') + 1;
  if (month === 0) return null;
  return civilToUs(
    Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), 0n,
    m[7] === '-' ? -1 : 1, Number(m[8]), Number(m[9]),
  );
}

/** CSV epoch milliseconds: 1–16 ASCII digits, same range as JSON numbers. */
export function parseEpochMsDigits(text: string): bigint | null {
  if (!/^[0-9]{1,16}$/.test(text)) return null;
  const ms = BigInt(text);
  return ms < MAX_EPOCH_MS ? ms * 1000n : null;
}

/**
 * A JSON number literal as epoch milliseconds, with the double semantics API.md prescribes: the nearest IEEE-754
 * double (what `Number()` and `JSON.parse` give), range-checked, then `trunc(ms * 1000)` in double arithmetic.
 * A whole number of ms is multiplied exactly instead: that is what "trunc" means for it, and a double product
 * could round past 2^53 (ms beyond year 2255).
 */
export function parseEpochMsNumber(literal: string): bigint | null {
  if (!/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(literal)) return null;
  const ms = Number(literal);
  // -0 (also what -1e-400 rounds to) passes `>= 0`, as it does for the native f64.
  if (!(ms >= 0 && ms < Number(MAX_EPOCH_MS))) return null;
  if (Number.isInteger(ms)) return BigInt(ms) * 1000n;
  return BigInt(Math.trunc(ms * 1000));
}

// ---------------------------------------------------------------------------------------------------------
// IP addresses
// ---------------------------------------------------------------------------------------------------------

function parseIpv4Octets(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    octets.push(v);
  }
  return octets;
}

/** 16 bytes of an IPv6 text already accepted by `isIPv6` (which matches Rust's `Ipv6Addr` grammar). */
function ipv6Bytes(text: string): number[] {
  const groupsOf = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    pieces.forEach((piece, i) => {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4Octets(piece);
        if (v4 === null) throw new Error(`reference bug: embedded IPv4 ${piece}`);
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        out.push(parseInt(piece, 16));
      }
    });
    return out;
  };
  const halves = text.split('::');
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const zeros = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  if (groups.length !== 8) throw new Error(`reference bug: ${text} gave ${groups.length} groups`);
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/**
 * The identity of an address for unique counting: its family and parsed bytes, so that `::1` and `0::1` are
 * one address while `1.2.3.4` and `::ffff:1.2.3.4` (4 vs 16 bytes) are two. Null when not an address.
 */
export function ipKey(text: string): string | null {
  const v4 = parseIpv4Octets(text);
  if (v4 !== null) return `4:${v4.join('.')}`;
  // isIPv6 accepts zone ids (`fe80::1%eth0`), which Rust's Ipv6Addr does not.
  if (text.includes('%') || !isIPv6(text)) return null;
  return `6:${ipv6Bytes(text).map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// ---------------------------------------------------------------------------------------------------------
// JSON: a strict RFC 8259 parser that keeps number literals as text (JSON.parse cannot tell 404 from 404.0)
// ---------------------------------------------------------------------------------------------------------

export class JsonNumber {
  constructor(readonly text: string) {}
  get isInteger(): boolean {
    return !/[.eE]/.test(this.text);
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
/** Objects as Maps so that duplicate keys resolve "last one wins" by plain `set`. */
export type JsonObject = Map<string, JsonValue>;

class JsonSyntaxError extends Error {}

const JSON_ESCAPES = new Map([['"', '"'], ['\\', '\\'], ['/', '/'], ['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t']]);

/**
 * Deepest accepted nesting, the top-level object being level 1 (`{"a":[[1]]}` is 3). Not in API.md: the native
 * parser's documented limit (json.rs `MAX_DEPTH`), mirrored because unbounded recursion is not an option there.
 */
export const JSON_MAX_DEPTH = 64;

/** A lone or reversed UTF-16 surrogate: representable in JSON text, not in UTF-8, so the line is malformed. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Strict RFC 8259, plus three rules the native parser documents (json.rs "Decisions") and API.md does not yet
 * state: lone surrogate escapes, nesting deeper than JSON_MAX_DEPTH, and numbers beyond the f64 range
 * (`1e400`) make the text invalid.
 */
export function parseJson(text: string): JsonValue {
  let i = 0;
  let depth = 0;
  const fail = (): never => {
    throw new JsonSyntaxError(`JSON syntax error at ${i}`);
  };
  const skipWs = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const expect = (lit: string): void => {
    if (text.startsWith(lit, i)) i += lit.length;
    else fail();
  };
  const parseString = (): string => {
    expect('"');
    let out = '';
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        if (LONE_SURROGATE.test(out)) fail();
        return out;
      }
      if (c < 0x20) fail();
      if (c !== 0x5c) {
        out += text.charAt(i++);
        continue;
      }
      const e = text.charAt(i + 1);
      i += 2;
      const simple = JSON_ESCAPES.get(e);
      if (simple !== undefined) out += simple;
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) {
        out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
        i += 4;
      } else fail();
    }
  };
  const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const parseValue = (): JsonValue => {
    skipWs();
    const c = text.charAt(i);
    if ((c === '{' || c === '[') && ++depth > JSON_MAX_DEPTH) fail();
    if (c === '{') {
      i++;
      const obj: JsonObject = new Map();
      skipWs();
      if (text.charAt(i) === '}') {
        i++;
        depth--;
        return obj;
      }
      for (;;) {
        skipWs();
        const key = parseString();
        skipWs();
        expect(':');
        obj.set(key, parseValue());
        skipWs();
        if (text.charAt(i) === ',') i++;
        else if (text.charAt(i) === '}') {
          i++;
          depth--;
          return obj;
        } else fail();
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      skipWs();
      if (text.charAt(i) === ']') {
        i++;
        depth--;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        skipWs();
        if (text.charAt(i) === ',') i++;
        else if (text.charAt(i) === ']') {
          i++;
          depth--;
          return arr;
        } else fail();
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (m === null) return fail();
    i += m[0].length;
    // Number() rounds a decimal literal to nearest like Rust's parser, so both overflow at the same point.
    if (!Number.isFinite(Number(m[0]))) fail();
    return new JsonNumber(m[0]);
  };
  const value = parseValue();
  skipWs();
  if (i !== text.length) fail();
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Line parsing
// ---------------------------------------------------------------------------------------------------------

export interface ClfExtras {
  size: bigint | null;
  referer: string | null;
  userAgent: string | null;
}

export interface ParsedRecord {
  tsUs: bigint;
  /** The address as written (error records echo it); `ipKey` is its identity for unique counting. */
  ip: string;
  ipKey: string;
  method: string;
  url: string;
  status: number;
  origin: { kind: 'json' } | { kind: 'csv' } | { kind: 'clf'; extras: ClfExtras };
}

export type ParseOutcome = { ok: true; record: ParsedRecord } | { ok: false; reason: RejectReason };

const reject = (reason: RejectReason): ParseOutcome => ({ ok: false, reason });

/** Per-line format choice of `auto`. */
export function detectFormat(line: string): 'json' | 'csv' | 'clf' {
  const first = /[^ \t]/.exec(line);
  if (first !== null && first[0] === '{') return 'json';
  const open = line.indexOf(' [');
  if (open >= 0 && line.indexOf('] "', open + 2) >= 0) return 'clf';
  return 'csv';
}

/** Status text of JSON strings and CSV fields: 1–3 ASCII digits, 100–599. */
function statusFromDigits(text: string): number | null {
  if (!/^[0-9]{1,3}$/.test(text)) return null;
  const v = Number(text);
  return v >= 100 && v <= 599 ? v : null;
}

interface Candidate {
  tsUs: bigint | null;
  ip: string | null;
  ipKey: string | null;
  method: string | null;
  url: string | null;
  status: number | null;
}

/** "The first invalid one decides", in the order timestamp, ip, method, url, status. */
function firstInvalid(c: Candidate, origin: ParsedRecord['origin']): ParseOutcome {
  if (c.tsUs === null) return reject('invalid_timestamp');
  if (c.ip === null || c.ipKey === null) return reject('invalid_field');
  if (c.method === null || c.method === '') return reject('invalid_field');
  if (c.url === null || c.url === '') return reject('invalid_field');
  if (c.status === null) return reject('invalid_field');
  return {
    ok: true,
    record: { tsUs: c.tsUs, ip: c.ip, ipKey: c.ipKey, method: c.method, url: c.url, status: c.status, origin },
  };
}

export function parseJsonLine(line: string): ParseOutcome {
  let value: JsonValue;
  try {
    value = parseJson(line);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return reject('malformed');
    throw e;
  }
  if (!(value instanceof Map)) return reject('malformed');
  const fields = ['timestamp', 'ip', 'method', 'url', 'status'].map((k) => value.get(k));
  if (fields.some((v) => v === undefined || v === null)) return reject('missing_field');
  const [ts, ip, method, url, status] = fields;
  let tsUs: bigint | null = null;
  if (typeof ts === 'string') tsUs = parseIsoTimestamp(ts);
  else if (ts instanceof JsonNumber) tsUs = parseEpochMsNumber(ts.text);
  let statusValue: number | null = null;
  if (typeof status === 'string') statusValue = statusFromDigits(status);
  else if (status instanceof JsonNumber && status.isInteger) {
    const v = BigInt(status.text);
    statusValue = v >= 100n && v <= 599n ? Number(v) : null;
  }
  return firstInvalid(
    {
      tsUs,
      ip: typeof ip === 'string' ? ip : null,
      ipKey: typeof ip === 'string' ? ipKey(ip) : null,
      // an empty method or URL (a request nginx could not read) is kept as `-`
      method: typeof method === 'string' ? method || '-' : null,
      url: typeof url === 'string' ? url || '-' : null,
      status: statusValue,
    },
    { kind: 'json' },
  );
}

export function parseCsvLine(line: string, delimiter: string): ParseOutcome {
  if (!line.includes(delimiter)) return reject('malformed');
  const f = line.split(delimiter);
  if (f.length < 5) return reject('missing_field');
  const ts = f[0] ?? '';
  const ip = f[1] ?? '';
  const method = f[2] ?? '';
  const url = f.slice(3, -1).join(delimiter);
  const status = f[f.length - 1] ?? '';
  if ([ts, ip, method, url, status].some((v) => v === '')) return reject('missing_field');
  return firstInvalid(
    {
      tsUs: /^[0-9]+$/.test(ts) ? parseEpochMsDigits(ts) : parseIsoTimestamp(ts),
      ip,
      ipKey: ipKey(ip),
      method,
      url,
      status: statusFromDigits(status),
    },
    { kind: 'csv' },
  );
}

// CLIENT SP TOKEN SP [TOKEN SP] [TIME] SP "REQUEST" SP STATUS [SP SIZE [SP "REFERER" SP "UA" [SP ANY] | SP ANY]]
// after trailing spaces are cut. Quoted fields keep their `\x` escapes as written. Backtracking makes the optional
// second TOKEN unambiguous; `[^ ]` is the byte-level "non-space" of the contract. A quoted referer must come with
// a quoted user agent (the lookahead keeps `… 200 1 "r"` malformed).
const Q = String.raw`"((?:[^"\\]|\\.)*)"`;
const CLF_RE = new RegExp(
  String.raw`^([^ ]+) [^ ]+ (?:[^ [][^ ]* )?\[([^\]]*)\] ${Q} ([0-9]{3})(?: ([0-9]+|-)(?: ${Q} ${Q}(?: .*)?| (?!").*)?)?$`,
  's',
);
/** CLF sizes are byte counts; one that does not fit in 64 bits is not a size (API.md). */
const MAX_CLF_SIZE = 2n ** 64n - 1n;

/** Method and URL of a request line, `-` for what is missing (`""`, `-`, `GARBAGE`, `GET /x`, `GET /x HTTP/1.1`). */
function splitRequest(request: string): [string, string] {
  if (request === '' || request === '-') return ['-', '-'];
  const sp = request.indexOf(' ');
  if (sp < 0) return [request, '-'];
  const method = request.slice(0, sp);
  let url = request.slice(sp + 1);
  const last = url.lastIndexOf(' ');
  if (last >= 0 && url.slice(last + 1).startsWith('HTTP/')) url = url.slice(0, last);
  return [method || '-', url || '-'];
}

/** A CLF client: an address, or a hostname (Apache `HostnameLookups On`) counted by its text. */
function clientKey(text: string): string | null {
  const key = ipKey(text);
  if (key !== null) return key;
  const host = text.length <= 253 && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text) && /[A-Za-z]/.test(text);
  return host ? `host:${text}` : null;
}

export function parseClfLine(raw: string): ParseOutcome {
  const line = raw.replace(/ +$/, '');
  const m = CLF_RE.exec(line);
  if (m === null) return reject('malformed');
  const [, ip = '', time = '', request = '', status = '', size = '-', referer, userAgent] = m;
  if (size !== '-' && BigInt(size) > MAX_CLF_SIZE) return reject('malformed');
  const statusNum = Number(status);
  const [method, url] = splitRequest(request);
  return firstInvalid(
    {
      tsUs: parseClfTimestamp(time),
      ip,
      ipKey: clientKey(ip),
      method,
      url,
      status: statusNum >= 100 && statusNum <= 599 ? statusNum : null,
    },
    {
      kind: 'clf',
      extras: {
        size: size === '-' ? null : BigInt(size),
        referer: referer ?? null,
        userAgent: userAgent ?? null,
      },
    },
  );
}

export function parseLine(line: string, format: Format, csvDelimiter = ';'): ParseOutcome {
  const f = format === 'auto' ? detectFormat(line) : format;
  if (f === 'json') return parseJsonLine(line);
  if (f === 'clf') return parseClfLine(line);
  return parseCsvLine(line, csvDelimiter);
}

/** CSV/CLF error records: compact JSON in the documented key order; JSON.stringify escaping is the contract. */
export function encodeErrorRecord(r: ParsedRecord): string {
  let out =
    `{"timestamp":"${formatIsoUtc(r.tsUs, 6)}","ip":${JSON.stringify(r.ip)},"method":${JSON.stringify(r.method)}` +
    `,"url":${JSON.stringify(r.url)},"status":${r.status}`;
  if (r.origin.kind === 'clf') {
    const x = r.origin.extras;
    if (x.size !== null) out += `,"size":${x.size.toString()}`;
    if (x.referer !== null) out += `,"referer":${JSON.stringify(x.referer)}`;
    if (x.userAgent !== null) out += `,"user_agent":${JSON.stringify(x.userAgent)}`;
  }
  return `${out}}`;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// ignoreBOM keeps a leading U+FEFF in the text instead of silently eating it: the record must show the raw line.
const lossyUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

export function encodeRejected(reason: RejectReason, source: string, line: Uint8Array): string {
  const cut = line.subarray(0, REJECT_KEEP_BYTES);
  const record: { reason: string; source: string; line: string; line_base64?: string } = {
    reason,
    source,
    line: lossyUtf8.decode(cut),
  };
  if (decodeUtf8(cut) === null) record.line_base64 = Buffer.from(cut).toString('base64');
  return JSON.stringify(record);
}

// ---------------------------------------------------------------------------------------------------------
// The shard
// ---------------------------------------------------------------------------------------------------------

interface StreamState {
  pending: Buffer;
  maxTsUs: bigint | null;
  lastDataUs: bigint;
}

interface ResolvedOptions {
  errorStatusMin: number;
  windowUs: bigint;
  watermarkUs: bigint;
  idleTimeoutUs: bigint;
  maxFutureSkewUs: bigint;
  maxLineBytes: number;
  format: Format;
  csvDelimiter: string;
}

function msToUs(ms: number): bigint {
  return BigInt(Math.round(ms * 1000));
}

const REASON_COUNTER: Record<RejectReason, keyof RejectedCounters> = {
  malformed: 'malformed',
  missing_field: 'missingField',
  invalid_field: 'invalidField',
  invalid_timestamp: 'invalidTimestamp',
  too_long: 'tooLong',
  invalid_utf8: 'invalidUtf8',
  future: 'future',
  late: 'late',
};

function emptyCounters(): Counters {
  return {
    lines: 0,
    bytes: 0,
    records: 0,
    errors: 0,
    late: 0,
    archived: 0,
    rejected: {
      malformed: 0, missingField: 0, invalidField: 0, invalidTimestamp: 0, tooLong: 0, invalidUtf8: 0, future: 0, late: 0,
    },
  };
}

/** What one call accumulates before it is turned into a ReferenceResult. */
class CallOutput {
  errors: Buffer[] = [];
  rejected: string[] = [];
  closed: ReferenceWindow[] = [];
  statusCounts = new Map<string, StatusCount>();
  counters = emptyCounters();
}

function systemNowUs(): bigint {
  return BigInt(Date.now()) * 1000n;
}

export class ReferenceShard {
  private readonly o: ResolvedOptions;
  /** Map iteration order = first appearance: the order flush handles the streams' partial lines. */
  private readonly streams = new Map<string, StreamState>();
  private readonly windows = new Map<bigint, ReferenceWindow>();
  private closedThrough: bigint | null = null;
  private peer: bigint | null = null;
  private now: bigint | null = null;
  private out = new CallOutput();

  constructor(options: ReferenceOptions = {}) {
    this.o = {
      errorStatusMin: options.errorStatusMin ?? 400,
      windowUs: msToUs(options.windowMs ?? 30000),
      watermarkUs: msToUs(options.watermarkMs ?? 10000),
      idleTimeoutUs: msToUs(options.idleTimeoutMs ?? 30000),
      maxFutureSkewUs: msToUs(options.maxFutureSkewMs ?? 300000),
      maxLineBytes: options.maxLineBytes ?? 65536,
      format: options.format ?? 'auto',
      csvDelimiter: options.csvDelimiter ?? ';',
    };
    if (this.o.windowUs <= 0n) throw new Error('LP_ERR_NATIVE_OPTION: windowMs must be > 0');
    if (this.o.csvDelimiter.length !== 1 || this.o.csvDelimiter.charCodeAt(0) > 0x7f) {
      throw new Error('LP_ERR_NATIVE_OPTION: csvDelimiter must be one ASCII byte');
    }
  }

  process(stream: string, chunk: Buffer, nowUs?: number): ReferenceResult {
    const now = this.beginClock(nowUs);
    let s = this.streams.get(stream);
    if (s === undefined) {
      s = { pending: Buffer.alloc(0), maxTsUs: null, lastDataUs: now };
      this.streams.set(stream, s);
    }
    if (chunk.length > 0) s.lastDataUs = now;
    this.out.counters.bytes += chunk.length;
    this.advance(); // idle release by elapsed time happens before this call's records
    s.pending = Buffer.concat([s.pending, chunk]);
    let nl: number;
    while ((nl = s.pending.indexOf(0x0a)) >= 0) {
      const line = s.pending.subarray(0, nl);
      s.pending = s.pending.subarray(nl + 1);
      this.handleLine(stream, line);
    }
    return this.finish();
  }

  endStream(stream: string, nowUs?: number): ReferenceResult {
    this.beginClock(nowUs);
    this.advance();
    const s = this.streams.get(stream);
    if (s !== undefined) {
      this.takeTrailingLine(stream, s);
      this.streams.delete(stream);
      this.advance(); // the stream no longer holds the watermark back
    }
    return this.finish();
  }

  tick(nowUs?: number): ReferenceResult {
    this.beginClock(nowUs);
    this.advance();
    return this.finish();
  }

  setPeerWatermark(us: number | null): ReferenceResult {
    this.peer = us === null ? null : BigInt(us);
    if (this.now === null) this.now = systemNowUs();
    this.advance();
    return this.finish();
  }

  flush(nowUs?: number): ReferenceResult {
    this.beginClock(nowUs);
    this.advance();
    for (const [name, s] of this.streams) this.takeTrailingLine(name, s);
    const open = [...this.windows.values()].sort((a, b) => (a.startUs < b.startUs ? -1 : 1));
    for (const w of open) {
      this.windows.delete(w.startUs);
      this.out.closed.push(w);
    }
    return this.finish();
  }

  /** Open windows, for tests that look inside. */
  openWindows(): ReferenceWindow[] {
    return [...this.windows.values()].sort((a, b) => (a.startUs < b.startUs ? -1 : 1));
  }

  private beginClock(nowUs: number | undefined): bigint {
    this.now = nowUs === undefined ? systemNowUs() : BigInt(Math.floor(nowUs));
    return this.now;
  }

  private takeTrailingLine(name: string, s: StreamState): void {
    const line = s.pending;
    s.pending = Buffer.alloc(0);
    if (line.length > 0) this.handleLine(name, line);
  }

  /** One line without its `\n`. */
  private handleLine(source: string, raw: Buffer): void {
    const line = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
    if (line.every((b) => b === 0x20 || b === 0x09)) return;
    const c = this.out.counters;
    c.lines++;
    if (line.length > this.o.maxLineBytes) return this.rejectLine('too_long', source, line);
    // A line that is not UTF-8 is read decoded lossily; only if it is no record even so is it `invalid_utf8`.
    const strict = decodeUtf8(line);
    const text = strict ?? lossyUtf8.decode(line);
    const parsed = parseLine(text, this.o.format, this.o.csvDelimiter);
    if (!parsed.ok) return this.rejectLine(strict === null ? 'invalid_utf8' : parsed.reason, source, line);
    const r = parsed.record;
    if (r.tsUs > (this.now ?? 0n) + this.o.maxFutureSkewUs) return this.rejectLine('future', source, line);

    const isError = r.status >= this.o.errorStatusMin;
    const start = floorDiv(r.tsUs, this.o.windowUs) * this.o.windowUs;
    const end = start + this.o.windowUs;
    if (this.closedThrough !== null && end <= this.closedThrough) {
      c.late++;
      this.rejectLine('late', source, line);
    } else {
      this.aggregate(r, start, end, isError);
      c.records++;
    }
    if (isError) {
      c.errors++;
      this.out.errors.push(r.origin.kind === 'json' ? Buffer.from(text, 'utf8') : Buffer.from(encodeErrorRecord(r), 'utf8'));
      this.out.errors.push(Buffer.from('\n'));
    }
    const s = this.streams.get(source);
    if (s !== undefined) s.maxTsUs = s.maxTsUs === null ? r.tsUs : maxBig(s.maxTsUs, r.tsUs);
    this.advance();
  }

  private aggregate(r: ParsedRecord, start: bigint, end: bigint, isError: boolean): void {
    let w = this.windows.get(start);
    if (w === undefined) {
      w = { startUs: start, endUs: end, requests: 0, errors: 0, ips: new Set(), errorIps: new Set(), statuses: new Map() };
      this.windows.set(start, w);
    }
    w.requests++;
    w.ips.add(r.ipKey);
    if (!isError) return;
    w.errors++;
    w.errorIps.add(r.ipKey);
    let st = w.statuses.get(r.status);
    if (st === undefined) {
      st = { errorCount: 0, ips: new Set(), urls: new Map() };
      w.statuses.set(r.status, st);
    }
    st.errorCount++;
    st.ips.add(r.ipKey);
    st.urls.set(r.url, (st.urls.get(r.url) ?? 0) + 1);
    this.out.statusCounts.set(`${start}/${r.status}`, { windowStartUs: Number(start), status: r.status, count: st.errorCount });
  }

  private rejectLine(reason: RejectReason, source: string, line: Uint8Array): void {
    this.out.counters.rejected[REASON_COUNTER[reason]]++;
    this.out.rejected.push(encodeRejected(reason, source, line));
  }

  private ownWatermark(): bigint | null {
    const now = this.now ?? 0n;
    let activeMin: bigint | null = null;
    let idleMax: bigint | null = null;
    for (const s of this.streams.values()) {
      if (s.maxTsUs === null) continue;
      const wm = s.maxTsUs - this.o.watermarkUs;
      if (now - s.lastDataUs >= this.o.idleTimeoutUs) idleMax = idleMax === null ? wm : maxBig(idleMax, wm);
      else activeMin = activeMin === null ? wm : minBig(activeMin, wm);
    }
    return activeMin ?? idleMax;
  }

  /** Recompute the effective watermark, raise closedThrough, close every window it passed (start order). */
  private advance(): void {
    const own = this.ownWatermark();
    const effective = own === null ? this.peer : this.peer === null ? own : minBig(own, this.peer);
    if (effective === null) return;
    this.closedThrough = this.closedThrough === null ? effective : maxBig(this.closedThrough, effective);
    const due = [...this.windows.values()]
      .filter((w) => w.endUs <= (this.closedThrough ?? effective))
      .sort((a, b) => (a.startUs < b.startUs ? -1 : 1));
    for (const w of due) {
      this.windows.delete(w.startUs);
      this.out.closed.push(w);
    }
  }

  private finish(): ReferenceResult {
    const o = this.out;
    this.out = new CallOutput();
    const wm = this.ownWatermark();
    return {
      errors: Buffer.concat(o.errors),
      rejected: Buffer.from(o.rejected.map((l) => `${l}\n`).join(''), 'utf8'),
      closed: o.closed,
      closedWindows: o.closed.length,
      statusCounts: [...o.statusCounts.values()],
      watermarkUs: wm === null ? null : Number(wm),
      closedThroughUs: this.closedThrough === null ? null : Number(this.closedThrough),
      counters: o.counters,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Rows: what WindowMerger.drain() emits for the same windows
// ---------------------------------------------------------------------------------------------------------

function mergeWindow(into: ReferenceWindow, w: ReferenceWindow): void {
  into.requests += w.requests;
  into.errors += w.errors;
  for (const ip of w.ips) into.ips.add(ip);
  for (const ip of w.errorIps) into.errorIps.add(ip);
  for (const [status, s] of w.statuses) {
    let t = into.statuses.get(status);
    if (t === undefined) {
      t = { errorCount: 0, ips: new Set(), urls: new Map() };
      into.statuses.set(status, t);
    }
    t.errorCount += s.errorCount;
    for (const ip of s.ips) t.ips.add(ip);
    for (const [url, n] of s.urls) t.urls.set(url, (t.urls.get(url) ?? 0) + n);
  }
}

function cloneWindow(w: ReferenceWindow): ReferenceWindow {
  const c: ReferenceWindow = {
    startUs: w.startUs, endUs: w.endUs, requests: 0, errors: 0, ips: new Set(), errorIps: new Set(), statuses: new Map(),
  };
  mergeWindow(c, w);
  return c;
}

/** Most frequent first, ties by URL in UTF-8 byte order (not UTF-16 order, which differs above U+FFFF). */
function urlOrder(urls: Map<string, number>): [string, number][] {
  return [...urls.entries()].sort((a, b) => b[1] - a[1] || Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
}

/** Windows (same start merged, as the merger does across shards) → metrics rows and summaries, by start. */
export function windowsToOutput(windows: ReferenceWindow[], maxUrlsPerWindow: number): WindowOutput {
  const byStart = new Map<bigint, ReferenceWindow>();
  for (const w of windows) {
    const held = byStart.get(w.startUs);
    if (held === undefined) byStart.set(w.startUs, cloneWindow(w));
    else mergeWindow(held, w);
  }
  const sorted = [...byStart.values()].sort((a, b) => (a.startUs < b.startUs ? -1 : 1));
  const rows: string[] = [];
  const summaries: WindowSummary[] = [];
  for (const w of sorted) {
    const ws = formatIsoUtc(w.startUs, 3);
    const we = formatIsoUtc(w.endUs, 3);
    rows.push(JSON.stringify({
      kind: 'summary', window_start: ws, window_end: we, requests: w.requests, errors: w.errors,
      error_rate: w.errors / w.requests, unique_ips: w.ips.size, error_unique_ips: w.errorIps.size,
    }));
    const statuses = [...w.statuses.entries()].sort((a, b) => a[0] - b[0]);
    for (const [status, s] of statuses) {
      const order = urlOrder(s.urls);
      const row: Record<string, unknown> = {
        kind: 'status', window_start: ws, window_end: we, status, error_count: s.errorCount, unique_ips: s.ips.size,
        error_urls: order.slice(0, maxUrlsPerWindow).map(([url]) => url),
      };
      if (order.length > maxUrlsPerWindow) row['error_urls_truncated'] = true;
      row['top_urls'] = order.slice(0, 10).map(([url, count]) => ({ url, count }));
      rows.push(JSON.stringify(row));
    }
    summaries.push({
      windowStartUs: Number(w.startUs), windowEndUs: Number(w.endUs), requests: w.requests, errors: w.errors,
      uniqueIps: w.ips.size, errorUniqueIps: w.errorIps.size,
      statuses: statuses.map(([status, s]) => ({ status, errorCount: s.errorCount, uniqueIps: s.ips.size })),
    });
  }
  return { rows: Buffer.from(rows.map((r) => `${r}\n`).join(''), 'utf8'), windows: summaries };
}

/** The reference counterpart of the native WindowMerger: holds closed windows until drained. */
export class ReferenceMerger {
  private held: ReferenceWindow[] = [];
  constructor(private readonly options: { maxUrlsPerWindow?: number } = {}) {}

  add(windows: ReferenceWindow[]): void {
    this.held.push(...windows);
  }

  drain(throughUs: number | null): WindowOutput {
    const due = this.held.filter((w) => throughUs === null || w.endUs <= BigInt(throughUs));
    this.held = this.held.filter((w) => !due.includes(w));
    return windowsToOutput(due, this.options.maxUrlsPerWindow ?? 100);
  }
}
