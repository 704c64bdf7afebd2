// Lines the daemon must reject, one kind per rejection reason of SPEC §2, so `--malformed-fraction` exercises
// every path of rejected/. Each kind is a realistic accident, and each is rejected for its reason whatever the
// daemon's `format` (the named one or `auto`) with the default limits. Rare by nature: built as strings, off
// the fast path.
import type { GenFormat } from './formats.js';
import type { ClfVariant } from './options.js';

/**
 * | kind                | json / csv                                           | clf                                  |
 * |---------------------|------------------------------------------------------|--------------------------------------|
 * | `malformed`         | json: the record cut mid-write; csv: `Arrêt du générateur de logs.` (what genlogs_v2.py prints into its own stream on Ctrl-C) | that same message |
 * | `missing_field`     | no `status` key / only 4 fields                      | — (CLF's grammar makes any missing part `malformed`) |
 * | `invalid_field`     | the IP's last octet above 255                        | same                                 |
 * | `invalid_timestamp` | Python's `str(datetime)`: `2026-11-21 18:44:41.266898` (no `T`, no zone) | numeric month: `[21/11/2026:18:44:42 +0000]` |
 * | `invalid_utf8`      | the IP ends in a stray Latin-1 byte, `1.2.3.4\xE9`: no address even decoded lossily (raw bytes in a URL are a record) | same |
 * | `too_long`          | the URL padded so the line is 66,000 bytes (> limits.maxLineBytes 65,536) | same        |
 * | `future`            | event time + 100 years (ahead of any wall clock, beyond pipeline.maxFutureSkew) | same      |
 */
export const BAD_LINE_KINDS = [
  'malformed',
  'missing_field',
  'invalid_field',
  'invalid_timestamp',
  'invalid_utf8',
  'too_long',
  'future',
] as const;
export type BadLineKind = (typeof BAD_LINE_KINDS)[number];

/** The kinds a format can express (CLF has no way to miss a field without being malformed). */
export function badLineKinds(format: GenFormat): readonly BadLineKind[] {
  return format === 'clf' ? BAD_LINE_KINDS.filter((k) => k !== 'missing_field') : BAD_LINE_KINDS;
}

/** Bytes of a too_long line, without its newline: comfortably over the default 65,536. */
export const TOO_LONG_BYTES = 66_000;
/** Microseconds a `future` line is ahead of its event time: 100 years (36,525 days). */
export const FUTURE_AHEAD_US = 36_525 * 86_400 * 1_000_000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** The fields of the record a bad line is made from. */
export interface BadLineRecord {
  us: number;
  ip: number;
  method: string;
  url: string;
  status: number;
  size: number | null;
}

export interface BadLineStyle {
  format: GenFormat;
  compact: boolean;
  clfVariant: ClfVariant;
}

export function badLine(kind: BadLineKind, r: BadLineRecord, style: BadLineStyle): Buffer {
  const { format } = style;
  const ip = ipText(r.ip);
  switch (kind) {
    case 'malformed':
      if (format === 'json') {
        const whole = line(style, isoTime(r.us), ip, r.method, r.url, r.status, r.size);
        return Buffer.from(whole.slice(0, Math.floor(whole.length * 0.6)), 'latin1');
      }
      return Buffer.from('Arrêt du générateur de logs.', 'utf8');
    case 'missing_field':
      return Buffer.from(line(style, isoTime(r.us), ip, r.method, r.url, null, r.size), 'latin1');
    case 'invalid_field':
      return Buffer.from(line(style, isoTime(r.us), ip.replace(/\d+$/, (o) => String(256 + (Number(o) % 100))), r.method, r.url, r.status, r.size), 'latin1');
    case 'invalid_timestamp': {
      const t = format === 'clf' ? clfTime(r.us).replace(/\/[A-Z][a-z]{2}\//, (m) => `/${pad(MONTHS.indexOf(m.slice(1, 4)) + 1)}/`) : pythonStr(r.us);
      return Buffer.from(line(style, t, ip, r.method, r.url, r.status, r.size), 'latin1');
    }
    case 'invalid_utf8':
      // Not in the URL: a line that is not UTF-8 is read decoded lossily, and raw bytes in a URL leave a record.
      return Buffer.from(line(style, isoTime(r.us), `${ip}\u00e9`, r.method, r.url, r.status, r.size), 'latin1');
    case 'too_long': {
      const base = line(style, isoTime(r.us), ip, r.method, `${r.url}?pad=`, r.status, r.size);
      const padded = line(style, isoTime(r.us), ip, r.method, `${r.url}?pad=${'x'.repeat(TOO_LONG_BYTES - base.length)}`, r.status, r.size);
      return Buffer.from(padded, 'latin1');
    }
    case 'future':
      return Buffer.from(line(style, isoTime(r.us + FUTURE_AHEAD_US), ip, r.method, r.url, r.status, r.size), 'latin1');
  }
}

/**
 * One record in the style's format. `time` is ISO for json/csv; for clf the record's own CLF time is used
 * unless `time` already is one. `status` null leaves the status out (missing_field).
 */
function line(style: BadLineStyle, time: string, ip: string, method: string, url: string, status: number | null, size: number | null): string {
  switch (style.format) {
    case 'json': {
      const sep = style.compact ? ':' : ': ';
      const comma = style.compact ? ',' : ', ';
      const fields = [`"timestamp"${sep}"${time}"`, `"ip"${sep}"${ip}"`, `"method"${sep}"${method}"`, `"url"${sep}"${url}"`];
      if (status !== null) fields.push(`"status"${sep}${status}`);
      return `{${fields.join(comma)}}`;
    }
    case 'csv':
      return [time, ip, method, url, ...(status === null ? [] : [String(status)])].join(';');
    case 'clf': {
      const clf = /^\d{4}-/.test(time) ? clfTime(Date.parse(time) * 1000) : time;
      const ident = style.clfVariant === 'single' ? '-' : '- -';
      return `${ip} ${ident} [${clf}] "${method} ${url} HTTP/1.1" ${status ?? 200} ${size ?? '-'}`;
    }
  }
}

function ipText(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

/** As the fast path writes it: Python isoformat() + "Z", no fraction when the microsecond is 0. */
export function isoTime(us: number): string {
  const micros = us % 1_000_000;
  const secondIso = new Date((us - micros) / 1000).toISOString().slice(0, 19);
  return micros === 0 ? `${secondIso}Z` : `${secondIso}.${pad(micros, 6)}Z`;
}

/** Python's `str(datetime)`: a space instead of `T` and no zone — a real-world mistake the ISO parsers reject. */
function pythonStr(us: number): string {
  return isoTime(us).replace('T', ' ').replace('Z', '');
}

function clfTime(us: number): string {
  const d = new Date((us - (us % 1_000_000)) / 1000); // exact, where us / 1e6 can round up to the next second
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
