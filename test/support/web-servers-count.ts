// An independent count of a web server's access log, to check logpulse against: no logpulse code, only what the
// servers' documentation says they write. Per window it counts the lines (requests) and those with status >= 400
// (errors) and the distinct clients. Every line must be read: one this reader cannot read is an error naming it, so the test cannot pass by
// skipping lines. The raw bytes are read as Latin-1, one character per byte, so bytes that are not UTF-8 (nginx
// writes a URL's bytes >= 0x80 as they came) are carried, not lost.

/** `combined`: nginx's and Apache's combined format; `json`: nginx's `escape=json` or Apache's JSON format. */
export type AccessLogFormat = 'combined' | 'json';

export interface WindowCount {
  requests: number;
  errors: number;
  /** Client addresses (IPv4 and IPv6 text) seen in the window. */
  clients: Set<string>;
}

export interface LogCount {
  lines: number;
  /** By window start (epoch ms). */
  windows: Map<number, WindowCount>;
  /** Error lines by status. */
  errorsByStatus: Map<number, number>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A quoted field: nginx escapes `"` as `\x22`; Apache as `\"` (and `\` as `\\`). */
const QUOTED = String.raw`"(?:[^"\\]|\\.)*"`;
const COMBINED = new RegExp(
  String.raw`^(\S+) \S+ \S+ \[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\] ${QUOTED} (\d{3}) (?:\d+|-) ${QUOTED} ${QUOTED}$`,
);
const ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?([+-])(\d\d):?(\d\d)$/;

function utcMs(y: string, mo: number, d: string, h: string, mi: string, s: string, fraction: string, sign: string, oh: string, om: string): number {
  const local = Date.UTC(Number(y), mo, Number(d), Number(h), Number(mi), Number(s)) + Math.floor(Number(`0.${fraction || '0'}`) * 1000);
  const offset = (Number(oh) * 60 + Number(om)) * 60_000;
  return sign === '+' ? local - offset : local + offset;
}

interface Read {
  ms: number;
  status: number;
  client: string;
}

function readCombined(line: string): Read | undefined {
  const m = COMBINED.exec(line);
  if (m === null) return undefined;
  const [, client, d, mon, y, h, mi, s, sign, oh, om, status] = m as unknown as string[];
  const mo = MONTHS.indexOf(mon!);
  if (mo < 0) return undefined;
  return { ms: utcMs(y!, mo, d!, h!, mi!, s!, '', sign!, oh!, om!), status: Number(status), client: client! };
}

/** JSON that Apache may have written with `\xhh` escapes (not JSON): those become `\u00hh`, the rest is JSON. */
function parseLenient(line: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inString && c === '\\') {
      const next = line[i + 1] ?? '';
      out += next === 'x' ? `\\u00${line.slice(i + 2, i + 4)}` : `\\${next}`;
      i += next === 'x' ? 3 : 1;
      continue;
    }
    if (c === '"') inString = !inString;
    out += c;
  }
  return JSON.parse(out);
}

function readJson(line: string): Read | undefined {
  let record: unknown;
  try {
    record = parseLenient(line);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null) return undefined;
  const r = record as Record<string, unknown>;
  const time = r.time_iso8601 ?? r.time; // nginx, Apache
  const client = r.remote_addr ?? r.client;
  if (typeof time !== 'string' || typeof client !== 'string' || typeof r.status !== 'number') return undefined;
  const m = ISO.exec(time);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, sign, oh, om] = m as unknown as string[];
  return { ms: utcMs(y!, Number(mo) - 1, d!, h!, mi!, s!, fraction ?? '', sign!, oh!, om!), status: r.status, client };
}

/** Counts `log` (the file's bytes) per `windowMs` window; throws on a line it cannot read, naming it. */
export function countAccessLog(log: Buffer, format: AccessLogFormat, windowMs: number, errorStatusMin = 400): LogCount {
  const text = log.toString('latin1');
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the log does not end with a newline: a line is cut');
  const count: LogCount = { lines: 0, windows: new Map(), errorsByStatus: new Map() };
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const read = format === 'combined' ? readCombined(line) : readJson(line);
    if (read === undefined) throw new Error(`line ${i + 1} of the ${format} log cannot be read: ${JSON.stringify(line)}`);
    const start = Math.floor(read.ms / windowMs) * windowMs;
    const w = count.windows.get(start) ?? { requests: 0, errors: 0, clients: new Set<string>() };
    w.requests++;
    w.clients.add(read.client);
    if (read.status >= errorStatusMin) {
      w.errors++;
      count.errorsByStatus.set(read.status, (count.errorsByStatus.get(read.status) ?? 0) + 1);
    }
    count.windows.set(start, w);
    count.lines++;
  });
  return count;
}
