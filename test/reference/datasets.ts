/**
 * Seeded random log datasets for the differential test: seed-shaped lines of every format plus every kind of
 * damage API.md names, and random cutting into chunks. Everything derives from one seed (test/support/rng.ts,
 * no Math.random) so a failing case is reproduced by its seed alone.
 *
 * The generator only has to produce interesting bytes; it never decides what the right answer is (that is the
 * reference's job), so it may be loose about which category a line ends up in.
 */
import type { Format, ReferenceOptions } from '../support/reference-shard.js';
import { Rng } from '../support/rng.js';

// ---------------------------------------------------------------------------------------------------------
// Field renderers
// ---------------------------------------------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** Civil fields of `us` shifted by `offsetMin` minutes (local time), via Date at ms precision plus µs digits. */
function civil(us: number, offsetMin: number): { date: Date; micros: number } {
  const local = us + offsetMin * 60_000_000;
  const ms = Math.floor(local / 1000);
  return { date: new Date(ms), micros: ((local % 1_000_000) + 1_000_000) % 1_000_000 };
}

function offsetText(offsetMin: number, colon: boolean): string {
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return `${sign}${p2(Math.floor(a / 60))}${colon ? ':' : ''}${p2(a % 60)}`;
}

/** ISO text of `us` in one of the variants producers write (0/3/6/9 digits, Python style, offsets). */
export function isoText(rng: Rng, us: number): string {
  const offsetMin = rng.chance(0.75) ? 0 : rng.pick([60, 120, -300, -330, 330, 545, -720, 840, 1439, -1439]);
  const { date, micros } = civil(us, offsetMin);
  const base =
    `${String(date.getUTCFullYear()).padStart(4, '0')}-${p2(date.getUTCMonth() + 1)}-${p2(date.getUTCDate())}` +
    `T${p2(date.getUTCHours())}:${p2(date.getUTCMinutes())}:${p2(date.getUTCSeconds())}`;
  const six = String(micros).padStart(6, '0');
  const frac = rng.weighted<string>([
    // Python's isoformat(): 6 digits, none at all when the microsecond is 0.
    [micros === 0 ? '' : `.${six}`, 5],
    ['', 1],
    [`.${six.slice(0, 3)}`, 1],
    [`.${six.slice(0, rng.int(1, 6))}`, 1],
    [`.${six}${rng.int(0, 999).toString().padStart(3, '0')}`, 1],
  ]);
  const zone = offsetMin === 0 && rng.chance(0.8) ? 'Z' : offsetText(offsetMin, rng.chance(0.6));
  return base + frac + zone;
}

export function clfTime(rng: Rng, us: number): string {
  const offsetMin = rng.chance(0.6) ? 0 : rng.pick([60, -420, 330, -600, 780]);
  const { date } = civil(us, offsetMin);
  return (
    `${p2(date.getUTCDate())}/${MONTHS[date.getUTCMonth()] ?? 'Jan'}/${date.getUTCFullYear()}` +
    `:${p2(date.getUTCHours())}:${p2(date.getUTCMinutes())}:${p2(date.getUTCSeconds())} ${offsetText(offsetMin, false)}`
  );
}

/** A JSON number literal of epoch ms: mostly integers, some fractions (exact and sub-µs), rare exponents. */
export function epochMsLiteral(rng: Rng, us: number): string {
  const ms = Math.floor(us / 1000);
  const frac = String(us % 1000).padStart(3, '0');
  return rng.weighted<string>([
    [String(ms), 6],
    [`${ms}.${frac}`, 2],
    [`${ms}.${frac}${rng.int(0, 9999)}`, 1],
    [`${ms}.0`, 1],
    [`${(ms / 1e12).toFixed(12).replace(/0+$/, '')}e12`, 1],
  ]);
}

/** An address identity with several spellings, so exact sets and byte-hashing sketches see the same thing. */
interface Address {
  spellings: string[];
}

function randomAddress(rng: Rng): Address {
  if (rng.chance(0.85)) {
    const o = [rng.int(1, 223), rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
    return { spellings: [o.join('.')] };
  }
  const groups = Array.from({ length: 8 }, () => (rng.chance(0.4) ? 0 : rng.int(0, 0xffff)));
  if (rng.chance(0.2)) groups.splice(0, 6, 0, 0, 0, 0, 0, 0xffff);
  const hex = groups.map((g) => g.toString(16));
  const spellings = [hex.join(':'), groups.map((g) => g.toString(16).padStart(4, '0')).join(':'), hex.join(':').toUpperCase()];
  // The longest run of zero groups compressed to `::` (any run is legal; the longest is the canonical one).
  let best = [-1, 0];
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > (best[1] ?? 0)) best = [i, j - i];
  }
  const [at = -1, len = 0] = best;
  if (len >= 1) spellings.push(`${hex.slice(0, at).join(':')}::${hex.slice(at + len).join(':')}`);
  if (groups[5] === 0xffff && groups.slice(0, 5).every((g) => g === 0)) {
    const g6 = groups[6] ?? 0;
    const g7 = groups[7] ?? 0;
    spellings.push(`::ffff:${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`);
  }
  return { spellings };
}

const BAD_IPS = [
  '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1.2.3.-4', 'fe80::1%eth0', '[::1]', '::ffff:1.2.3.04', '12345::',
  '1::2::3', 'localhost', ' 1.2.3.4', '1.2.3.4 ', '', '1.2.3.4/24', '１.2.3.4',
];

const BAD_ISO = [
  '2025-13-01T00:00:00Z', '2025-02-29T10:00:00Z', '2025-06-31T10:00:00Z', '2025-06-09T24:00:00Z',
  '2025-06-09T23:59:60Z', '2025-06-09t10:00:00Z', '2025-06-09T10:00:00z', '2025-06-09T10:00:00',
  '2025-06-09 10:00:00Z', '2025-06-09T10:00:00.Z', '2025-06-09T10:00:00.1234567890Z', '2025-06-09T10:00:00+24:00',
  '0000-01-01T00:00:00Z', '2025-06-09T10:00Z', '09/Jun/2025:10:00:00 +0000', '1749462160001', 'now', '',
  '2025-06-09T10:00:00+02', '2025-6-9T10:00:00Z',
];

const URL_SHAPES: readonly (readonly [(rng: Rng, n: number) => string, number])[] = [
  [(_, n) => `/resource/${n}`, 12],
  [(_, n) => `/products/${n}?page=${n % 7}&sort=asc`, 2],
  [(_, n) => `/café/é${n}`, 1],
  // A shared prefix, then characters whose UTF-8 byte order differs from their UTF-16 order (U+FF46 and U+FFFD
  // sort after U+1F600 in UTF-16 units, before it in bytes): the error_urls tie-break must use bytes.
  [(_, n) => `/u/\u{1F600}${n % 3}`, 1],
  [(_, n) => `/u/ｆ${n % 4}`, 1],
  [(_, n) => `/u/\uFFFD${n % 2}`, 1],
];

const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

// ---------------------------------------------------------------------------------------------------------
// Datasets
// ---------------------------------------------------------------------------------------------------------

export type LineFormat = 'json' | 'csv' | 'clf';

export interface DatasetConfig {
  /** Which formats lines are written in (one for a fixed-format shard, several for `auto`). */
  formats: LineFormat[];
  csvDelimiter: string;
  lines: number;
  /** Event time of the first record, µs. */
  startUs: number;
  /** Mean event-time advance per line, µs. */
  stepUs: number;
  windowUs: number;
  watermarkUs: number;
  maxLineBytes: number;
  /** Records at or below this event time are never `future`: the smallest wall clock any call uses. */
  nowUs: number;
  maxFutureSkewUs: number;
  /** Distinct addresses to draw from; a small pool repeats IPs inside windows. */
  ipPool: number;
  urlPool: number;
  errorRate: number;
  /** Share of damaged lines (malformed, missing, invalid, too long, bad UTF-8, whitespace). */
  junkRate: number;
  lateRate: number;
  disorderRate: number;
  futureRate: number;
  /** The last line has no newline. */
  openEnded: boolean;
}

interface RecordFields {
  tsUs: number;
  ip: string;
  method: string;
  url: string;
  status: number;
}

/** A generator of one stream's lines; keeps the event-time cursor and the address/URL pools. */
export class StreamGenerator {
  private cursor: number;
  private readonly addresses: Address[];
  private readonly urls: string[];

  constructor(
    private readonly rng: Rng,
    private readonly cfg: DatasetConfig,
  ) {
    this.cursor = cfg.startUs;
    this.addresses = Array.from({ length: cfg.ipPool }, () => randomAddress(rng));
    this.urls = Array.from({ length: cfg.urlPool }, (_, i) => rng.weighted(URL_SHAPES)(rng, i + 1));
  }

  /** The whole stream as bytes. */
  generate(): Buffer {
    const parts: Buffer[] = [];
    for (let i = 0; i < this.cfg.lines; i++) {
      const last = i === this.cfg.lines - 1;
      parts.push(this.line());
      if (!(last && this.cfg.openEnded)) parts.push(Buffer.from(this.rng.chance(0.15) ? '\r\n' : '\n'));
    }
    return Buffer.concat(parts);
  }

  private eventTime(): number {
    const r = this.rng;
    this.cursor += r.int(0, 2 * this.cfg.stepUs);
    const w = this.cfg.windowUs;
    return r.weighted<() => number>([
      [() => this.cursor, 80],
      [() => this.cursor - r.int(0, this.cfg.watermarkUs), 100 * this.cfg.disorderRate],
      [() => this.cursor - this.cfg.watermarkUs - r.int(1, 3 * w), 100 * this.cfg.lateRate],
      [() => this.cfg.nowUs + this.cfg.maxFutureSkewUs + r.int(1, 3_600_000_000), 100 * this.cfg.futureRate],
      // Exactly at the future limit and 1 µs past it, for calls made at the starting wall clock.
      [() => this.cfg.nowUs + this.cfg.maxFutureSkewUs + r.pick([0, 1]), 100 * this.cfg.futureRate],
      // Window edges and their neighbours, where off-by-one errors live.
      [() => Math.floor(this.cursor / w) * w + r.pick([-1, 0, 1]), 5],
    ])();
  }

  private fields(): RecordFields {
    const r = this.rng;
    const status = r.chance(this.cfg.errorRate)
      ? r.weighted([[404, 6], [500, 3], [503, 1], [400, 1], [403, 1], [429, 1], [599, 0.2]])
      : r.weighted([[200, 10], [201, 1], [204, 1], [301, 1], [304, 1], [100, 0.1], [399, 0.1]]);
    return {
      tsUs: this.eventTime(),
      ip: r.pick(r.pick(this.addresses).spellings),
      method: r.pick(METHODS),
      url: r.pick(this.urls),
      status,
    };
  }

  private line(): Buffer {
    const r = this.rng;
    if (r.chance(this.cfg.junkRate)) return this.junk();
    return Buffer.from(this.render(r.pick(this.cfg.formats), this.fields()), 'utf8');
  }

  private render(format: LineFormat, f: RecordFields): string {
    if (format === 'json') return this.json(f);
    if (format === 'csv') return this.csv(f);
    return this.clf(f);
  }

  private json(f: RecordFields, patch?: (o: Map<string, string>) => void): string {
    const r = this.rng;
    const o = new Map<string, string>();
    o.set('timestamp', r.chance(0.85) ? JSON.stringify(isoText(r, f.tsUs)) : epochMsLiteral(r, f.tsUs));
    o.set('ip', JSON.stringify(f.ip));
    o.set('method', JSON.stringify(f.method));
    o.set('url', jsonString(r, f.url));
    o.set('status', r.chance(0.9) ? String(f.status) : JSON.stringify(String(f.status)));
    if (r.chance(0.15)) o.set('user_agent', JSON.stringify(r.pick(['curl/8.0', 'Mozilla/5.0 (X11; Linux)', 'bot "x"'])));
    if (r.chance(0.05)) o.set('meta', '{"tags": ["a", "b"], "n": 1.5e3, "ok": true, "none": null}');
    patch?.(o);
    let entries = [...o.entries()];
    if (r.chance(0.2)) entries = entries.sort(() => r.float() - 0.5);
    const compact = r.chance(0.3);
    const body = entries.map(([k, v]) => `${JSON.stringify(k)}:${compact ? '' : ' '}${v}`).join(compact ? ',' : ', ');
    const pad = r.chance(0.05) ? ' ' : '';
    return `${pad}{${body}}${pad}`;
  }

  private csv(f: RecordFields, ts?: string): string {
    const r = this.rng;
    const d = this.cfg.csvDelimiter;
    const time = ts ?? (r.chance(0.8) ? isoText(r, f.tsUs) : String(Math.floor(f.tsUs / 1000)));
    const url = r.chance(0.1) ? `${f.url}${d}part${r.chance(0.3) ? '\t"q"' : ''}` : f.url;
    return [time, f.ip, f.method, url, String(f.status)].join(d);
  }

  private clf(f: RecordFields): string {
    const r = this.rng;
    const ident = r.pick(['- -', '-', '- frank', 'host user']);
    const url = f.url.replace(/ /g, '%20');
    const request = r.chance(0.9) ? `${f.method} ${url} ${r.pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2'])}` : `${f.method} ${url}`;
    const size = r.chance(0.2) ? '-' : String(r.int(0, 50000));
    let line = `${f.ip} ${ident} [${clfTime(r, f.tsUs)}] "${request}" ${f.status} ${size}`;
    if (r.chance(0.3)) line += ` "${r.pick(['-', 'https://example.com/', 'http://x/é?a=1'])}" "${r.pick(['Mozilla/5.0 (X11; Linux x86_64)', 'curl/7.88', ''])}"`;
    if (r.chance(0.05)) line += '  ';
    return line;
  }

  /** A damaged line of some kind; its reason depends on format detection, which is the point. */
  private junk(): Buffer {
    const r = this.rng;
    const f = this.fields();
    const fmt = r.pick(this.cfg.formats);
    const d = this.cfg.csvDelimiter;
    const kind = r.weighted<string>([
      ['garbage', 2], ['truncated', 2], ['jsonShape', 2], ['missing', 3], ['null', 2], ['wrongType', 3],
      ['badStatus', 3], ['badIp', 3], ['badTime', 3], ['emptyText', 1], ['csvShape', 2], ['clfShape', 2],
      ['tooLong', 2], ['badUtf8', 2], ['blank', 3], ['longBlank', 0.5], ['bom', 0.5], ['dupKey', 1],
      ['escapedKey', 0.5], ['crInside', 0.5], ['otherTime', 1],
    ]);
    const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
    const required = ['timestamp', 'ip', 'method', 'url', 'status'];
    switch (kind) {
      case 'garbage':
        return utf8(r.pick(['Arrêt du générateur de logs.', 'hello world', '-----', '}{', 'x [y] "z', '\u0000\u0001', '{', '"']));
      case 'truncated': {
        const full = this.render(fmt, f);
        return utf8(full.slice(0, r.int(1, Math.max(1, full.length - 1))));
      }
      case 'jsonShape':
        return utf8(r.pick(['{}', '[1, 2]', '"text"', '42', 'null', `${this.json(f)} ${this.json(f)}`, `${this.json(f)}x`, `${this.json(f)},`, '{"a": 01}', '{"a": "\t"}', '{"a": tru}', '{"a" 1}']));
      case 'missing': {
        if (fmt === 'csv') {
          const parts = this.csv(f).split(d);
          if (r.chance(0.5)) parts.splice(r.int(0, parts.length - 1), 1);
          else parts[r.int(0, parts.length - 1)] = '';
          return utf8(parts.join(d));
        }
        const key = r.pick(required);
        return utf8(this.json(f, (o) => o.delete(key)));
      }
      case 'null': {
        const key = r.pick(required);
        return utf8(this.json(f, (o) => o.set(key, 'null')));
      }
      case 'wrongType': {
        const key = r.pick(required);
        const value = r.pick(['true', 'false', '[]', '{}', '12', '1.5', '"x"', '[1]', '{"v": "404"}']);
        return utf8(this.json(f, (o) => o.set(key, value)));
      }
      case 'badStatus': {
        const s = r.pick(['99', '600', '"abc"', '404.0', '4.04e2', '"0404"', '-404', '"4"', '""', '" 404"', '1e3', '0', '"404 "', '099']);
        if (fmt === 'json') return utf8(this.json(f, (o) => o.set('status', s)));
        if (fmt === 'csv') return utf8(this.csv({ ...f }).replace(new RegExp(`${escapeRe(d)}[0-9]+$`), `${d}${s.replace(/"/g, '')}`));
        return utf8(this.clf(f).replace(/" [0-9]{3} /, `" ${r.pick(['099', '600', '20', '2000', 'abc', '40x'])} `));
      }
      case 'badIp': {
        const ip = r.pick(BAD_IPS);
        if (fmt === 'json') return utf8(this.json({ ...f, ip }));
        if (fmt === 'csv') return utf8(this.csv({ ...f, ip }));
        return utf8(this.clf({ ...f, ip: ip === '' || ip.includes(' ') ? 'x' : ip }));
      }
      case 'badTime': {
        const t = r.pick(BAD_ISO);
        if (fmt === 'json') {
          const v = r.chance(0.8) ? JSON.stringify(t) : r.pick(['-1', '253402300800000', '1e20', '-0.5']);
          return utf8(this.json(f, (o) => o.set('timestamp', v)));
        }
        if (fmt === 'csv') return utf8(this.csv(f, r.chance(0.8) ? t : r.pick(['00000000000000001', '253402300800000', '9999999999999999', '-1', '1.5'])));
        const bad = r.pick(['32/Jun/2025:10:00:00 +0000', '09/jun/2025:10:00:00 +0000', '09/Jun/2025:10:00:00', '09/Jun/2025:25:00:00 +0000', '2025-06-09T10:00:00Z', '09/Jun/2025:10:00:00 +2400', '9/Jun/2025:10:00:00 +0000', '']);
        return utf8(this.clf(f).replace(/\[[^\]]*\]/, `[${bad}]`));
      }
      case 'emptyText': {
        const key = r.pick(['method', 'url', 'ip']);
        return utf8(this.json(f, (o) => o.set(key, '""')));
      }
      case 'csvShape':
        return utf8(r.pick([
          [f.ip, f.method, f.url, String(f.status)].join(d),
          `${isoText(r, f.tsUs)}${d}${f.ip}${d}${f.method}${d}${f.url}${d}${f.status}${d}`,
          `${isoText(r, f.tsUs)}${d}${f.ip}${d}${f.method}${d}${d}${d}${f.status}`,
          ` ${isoText(r, f.tsUs)}${d}${f.ip}${d}${f.method}${d}${f.url}${d}${f.status}`,
          `${d}${d}${d}${d}`,
          d,
        ]));
      case 'clfShape': {
        const good = this.clf(f);
        return utf8(r.pick([
          good.replace('"', ''),
          good.replace(/ [0-9]+$| -$/, ''),
          good.replace(/ \[/, '\t['),
          good.replace(/"[A-Z]+ /, '"'),
          good.replace(/ ([0-9]+|-)( |$)/, ' 1k$2'),
          `${good} extra`,
          good.replace(/^[^ ]+ /, ''),
          good.replace(/ HTTP\/[0-9.]+"/, ' HTTP/1.1 x"'),
        ]));
      }
      case 'tooLong': {
        const target = r.chance(0.3) ? 4100 + r.int(0, 200) : this.cfg.maxLineBytes + r.int(1, 300);
        const f2 = { ...f, url: `${f.url}/${'é'.repeat(r.int(0, 3))}` };
        const base = this.render(fmt, f2);
        // Pad the URL so the line crosses the limit; multi-byte padding puts characters across the 4096 cut.
        const padUnit = r.pick(['a', 'é', '\u{1F600}']);
        const room = Math.max(0, target - Buffer.byteLength(base));
        const padding = padUnit.repeat(Math.ceil(room / Buffer.byteLength(padUnit)));
        return utf8(base.replace(f2.url, `${f2.url}${padding}`));
      }
      case 'badUtf8': {
        const good = utf8(this.render(fmt, f));
        const bad = Buffer.from(r.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80]]));
        const at = r.int(0, good.length);
        return Buffer.concat([good.subarray(0, at), bad, good.subarray(at)]);
      }
      case 'blank':
        return utf8(r.pick(['', ' ', '   ', '\t', ' \t \t', '\r']));
      case 'longBlank': {
        const n = this.cfg.maxLineBytes + r.int(1, 100);
        if (n > 70000) return utf8('  ');
        // A CR inside a long run of blanks: not blank by the rules (only spaces and tabs are).
        return utf8(r.chance(0.5) ? ' '.repeat(n) : `${' '.repeat(n >> 1)}\r${'\t'.repeat(n >> 1)}`);
      }
      case 'bom':
        return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(this.render(fmt, f))]);
      case 'dupKey': {
        const key = r.pick(required);
        const good = this.json(f);
        const value = r.pick(['null', '"1.2.3.4"', '"x"', '500', JSON.stringify(isoText(r, f.tsUs))]);
        return utf8(r.chance(0.5) ? good.replace('{', `{"${key}": ${value}, `) : good.replace(/}\s*$/, `, "${key}": ${value}}`));
      }
      case 'escapedKey':
        return utf8(this.json(f).replace('"ip"', '"\\u0069p"').replace('"url"', '"u\\u0072l"'));
      case 'crInside':
        return utf8(`${this.render(fmt, f)}\r`);
      case 'otherTime': {
        // Forms a format does not take (API.md: JSON string → ISO only, CSV → ISO or digits, CLF → CLF only).
        if (fmt === 'json') return utf8(this.json(f, (o) => o.set('timestamp', JSON.stringify(r.chance(0.5) ? clfTime(r, f.tsUs) : String(Math.floor(f.tsUs / 1000))))));
        if (fmt === 'csv') return utf8(this.csv(f, clfTime(r, f.tsUs)));
        return utf8(this.clf(f).replace(/\[[^\]]*\]/, `[${isoText(r, f.tsUs)}]`));
      }
      default:
        throw new Error(`unknown junk kind ${kind}`);
    }
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A JSON string literal with some characters spelled as escapes (`\/`, `\u00e9`, surrogate pairs). */
function jsonString(rng: Rng, s: string): string {
  const plain = JSON.stringify(s);
  if (!rng.chance(0.2)) return plain;
  let out = '';
  for (const ch of plain.slice(1, -1)) {
    if (ch === '/' && rng.chance(0.5)) out += '\\/';
    else if ((ch.codePointAt(0) ?? 0) > 0x7f && rng.chance(0.7)) {
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `"${out}"`;
}

// ---------------------------------------------------------------------------------------------------------
// Chunking
// ---------------------------------------------------------------------------------------------------------

/**
 * Cuts `data` at random byte positions: everything at once, a few big pieces, or many pieces of varied size
 * with bursts of single bytes and cuts right after the lead byte of multi-byte characters. About 200 pieces
 * at most, so hundreds of datasets stay fast while every kind of boundary still occurs.
 */
export function cutRandomly(rng: Rng, data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  const style = rng.weighted<string>([['many', 6], ['few', 2], ['whole', 1]]);
  const mean = style === 'whole' ? data.length + 1 : Math.max(1, Math.ceil(data.length / (style === 'few' ? rng.int(2, 8) : rng.int(20, 150))));
  let pos = 0;
  let singles = 0;
  while (pos < data.length) {
    let size: number;
    if (singles > 0) {
      singles--;
      size = 1;
    } else if (style === 'whole') {
      size = data.length + rng.int(0, 10);
    } else {
      size = rng.int(1, 2 * mean);
      if (style === 'many' && rng.chance(0.05)) singles = rng.int(1, 12);
      // Split inside a multi-byte character now and then.
      const lead = data.subarray(pos, pos + size).findIndex((b) => b >= 0xc0);
      if (lead >= 0 && rng.chance(0.3)) size = lead + 1;
    }
    chunks.push(data.subarray(pos, pos + size));
    pos += size;
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios: options + a call sequence, identical for the native shard and the reference
// ---------------------------------------------------------------------------------------------------------

export type Op =
  | { kind: 'process'; stream: string; chunk: Buffer; nowUs: number }
  | { kind: 'tick'; nowUs: number }
  | { kind: 'peer'; us: number | null; nowUs: number }
  | { kind: 'end'; stream: string; nowUs: number }
  | { kind: 'drain' }
  | { kind: 'flush'; nowUs: number };

export interface ScenarioOptions extends ReferenceOptions {
  errorStatusMin: number;
  windowMs: number;
  watermarkMs: number;
  idleTimeoutMs: number;
  maxFutureSkewMs: number;
  maxUrlsPerWindow: number;
  maxLineBytes: number;
  format: Format;
  csvDelimiter: string;
}

export interface Scenario {
  seed: number;
  options: ScenarioOptions;
  streams: { name: string; data: Buffer }[];
  ops: Op[];
}

const STREAM_NAMES = ['s0', 'kafka:http-logs/1', 'file:/var/log/accès "x".log'];
/** 2025-06-09T09:42:00Z. */
export const BASE_US = 1749462120000000;

export interface ScenarioShape {
  /** Force the number of streams (default 1–3). */
  streams?: number;
  /** Allow wall-clock jumps (idle release); off when results must not depend on call boundaries. */
  jumps?: boolean;
  /** Allow setPeerWatermark calls. */
  peers?: boolean;
  format?: Format;
  lines?: number;
}

export function buildScenario(seed: number, shape: ScenarioShape = {}): Scenario {
  const rng = new Rng(seed);
  const format = shape.format ?? rng.weighted<Format>([['auto', 4], ['json', 2], ['csv', 2], ['clf', 2]]);
  const windowMs = rng.pick([1000, 5000, 10000, 30000, 60000]);
  const options: ScenarioOptions = {
    errorStatusMin: rng.weighted([[400, 4], [500, 1]]),
    windowMs,
    watermarkMs: rng.pick([0, 500, 2000, 10000]),
    idleTimeoutMs: rng.pick([500, 2000, 30000]),
    maxFutureSkewMs: rng.pick([1000, 60000, 300000]),
    maxUrlsPerWindow: rng.pick([1, 3, 10, 100]),
    maxLineBytes: rng.weighted([[65536, 6], [120, 1], [200, 1], [300, 1], [5000, 1]]),
    format,
    csvDelimiter: rng.weighted([[';', 8], [',', 1], ['|', 1], ['\t', 0.5]]),
  };
  const formats: LineFormat[] = format === 'auto' ? ['json', 'csv', 'clf'] : [format];
  const windowUs = windowMs * 1000;
  const streamCount = shape.streams ?? rng.int(1, 3);
  const startUs = BASE_US + rng.int(0, 10) * windowUs + rng.pick([0, rng.int(0, windowUs)]);
  const lines = shape.lines ?? rng.int(20, 300);
  const stepUs = Math.max(1, Math.floor(windowUs / rng.pick([5, 20, 60])));
  const nowStart = startUs + lines * 2 * stepUs + rng.pick([0, windowUs, 60_000_000]);
  const streams = STREAM_NAMES.slice(0, streamCount).map((name) => {
    const cfg: DatasetConfig = {
      formats,
      csvDelimiter: options.csvDelimiter,
      lines: Math.max(1, lines + rng.int(-10, 10)),
      startUs: startUs + rng.int(0, 2) * rng.int(0, windowUs),
      stepUs: Math.max(1, Math.round(stepUs * rng.pick([0.5, 1, 1.5]))),
      windowUs,
      watermarkUs: options.watermarkMs * 1000,
      maxLineBytes: options.maxLineBytes,
      nowUs: nowStart,
      maxFutureSkewUs: options.maxFutureSkewMs * 1000,
      ipPool: rng.pick([3, 20, 200]),
      urlPool: rng.pick([2, 8, 40]),
      errorRate: rng.pick([0.05, 0.3, 0.8]),
      junkRate: rng.pick([0, 0.05, 0.2, 0.5]),
      lateRate: rng.pick([0, 0.03, 0.1]),
      disorderRate: rng.pick([0, 0.1, 0.3]),
      futureRate: rng.pick([0, 0.01, 0.05]),
      openEnded: rng.chance(0.3),
    };
    return { name, data: new StreamGenerator(rng.fork(), cfg).generate() };
  });

  const ops: Op[] = [];
  let now = nowStart;
  const pending = streams.map((s) => ({ name: s.name, chunks: cutRandomly(rng, s.data) }));
  // The first chunk of each stream in name order, so "first appearance" and any sorted order agree for flush.
  for (const p of pending) {
    const chunk = p.chunks.shift();
    if (chunk !== undefined) ops.push({ kind: 'process', stream: p.name, chunk, nowUs: now });
  }
  const jumps = shape.jumps ?? true;
  const peers = shape.peers ?? true;
  const totalChunks = pending.reduce((n, p) => n + p.chunks.length, 0);
  let done = 0;
  const spanUs = lines * 2 * stepUs;
  for (;;) {
    const live = pending.filter((p) => p.chunks.length > 0);
    if (live.length === 0) break;
    const p = rng.pick(live);
    const chunk = p.chunks.shift();
    if (chunk === undefined) continue;
    done++;
    if (jumps) now += rng.int(0, 20_000);
    // Time passing without a tick: idle release must then happen at the start of this process call.
    if (jumps && rng.chance(0.03)) now += options.idleTimeoutMs * 1000 + rng.pick([0, 1, rng.int(0, 2_000_000)]);
    ops.push({ kind: 'process', stream: p.name, chunk, nowUs: now });
    if (jumps && rng.chance(0.03)) {
      now += options.idleTimeoutMs * 1000 + rng.pick([0, 1, rng.int(0, 2_000_000)]);
      ops.push({ kind: 'tick', nowUs: now });
    }
    if (rng.chance(0.02)) ops.push({ kind: 'tick', nowUs: now });
    if (peers && rng.chance(0.03)) {
      // Around the event-time progress of the data: sometimes behind (holds back), sometimes ahead (closes early).
      const progress = startUs + Math.floor((spanUs * done) / totalChunks);
      const us = rng.chance(0.4) ? null : progress + rng.int(-3, 1) * windowUs + rng.pick([0, -1, 1, rng.int(0, windowUs)]);
      ops.push({ kind: 'peer', us, nowUs: now });
    }
    if (rng.chance(0.05)) ops.push({ kind: 'drain' });
    if (p.chunks.length === 0 && rng.chance(0.5)) ops.push({ kind: 'end', stream: p.name, nowUs: now });
    if (rng.chance(0.005)) ops.push({ kind: 'end', stream: 'never-seen', nowUs: now });
  }
  ops.push({ kind: 'flush', nowUs: now }, { kind: 'drain' });
  return { seed, options, streams, ops };
}
