// Hostile input lines for test/e2e/hostile.test.ts, each with what the daemon must make of it: a record (`record`,
// `error` for one with an error status) or a rejection reason. Built around one valid JSON record a minute old, so
// that each line differs from it in exactly the way its name says.

/** What one line must come to. */
export type Outcome = 'record' | 'error' | 'malformed' | 'invalid_field' | 'invalid_timestamp' | 'invalid_utf8' | 'late' | 'future';

export interface HostileLine {
  name: string;
  line: Buffer;
  outcome: Outcome;
}

const DEEP = 100_000;

/** The lines, the valid one first (its timestamp starts the stream's watermark, so year 1 is `late`). */
export function hostileLines(nowMs: number): HostileLine[] {
  const ts = new Date(nowMs - 60_000).toISOString();
  const base = { timestamp: ts, ip: '10.0.0.1', method: 'GET', url: '/a', status: 200 };
  const json = JSON.stringify(base);
  const csv = `${ts};10.0.0.1;GET;/a;200`;
  const clf = `10.0.0.1 - - [${clfTime(new Date(nowMs - 60_000))}] "GET /a HTTP/1.1" 200 1`;
  const out: HostileLine[] = [];
  const add = (name: string, line: string | Buffer, outcome: Outcome): void => {
    out.push({ name, line: Buffer.isBuffer(line) ? line : Buffer.from(line), outcome });
  };
  const withField = (key: string, value: string): string => json.replace(/}$/, `,"${key}":${value}}`);
  const status = (value: string): string => json.replace('"status":200', `"status":${value}`);

  add('a valid JSON record', json, 'record');
  add('a valid CSV record', csv, 'record');
  add('a valid CLF record', clf, 'record');
  // NUL bytes: raw inside a JSON string (not JSON: control characters must be escaped there), escaped, raw in a
  // CSV field (CSV has no such rule), and a line of nothing else. The accepted ones have an error status, so their
  // URL reaches errors/ (as JSON, the NUL escaped).
  add('a raw NUL byte in a JSON URL', json.replace('/a', '/a\0b'), 'malformed');
  add('an escaped NUL (\\u0000) in a JSON URL', json.replace('/a', '/a\\u0000b').replace('"status":200', '"status":500'), 'error');
  add('a raw NUL byte in a CSV URL', csv.replace('/a', '/a\0b').replace(/200$/, '500'), 'error');
  add('100 NUL bytes', Buffer.alloc(100, 0), 'malformed');
  // Invalid UTF-8 (a lone 0xFF 0xFE) inside every field of every format.
  // Each marker ends with the first character of the field's value: the bytes go right after it.
  const fields: [string, string, string, string][] = [
    ['JSON', json, 'timestamp', '"timestamp":"2'],
    ['JSON', json, 'ip', '"ip":"1'],
    ['JSON', json, 'method', '"method":"G'],
    ['JSON', json, 'url', '"url":"/'],
    ['JSON', json, 'status', '"status":2'],
    ['CSV', csv, 'timestamp', '2'],
    ['CSV', csv, 'ip', ';1'],
    ['CSV', csv, 'method', ';G'],
    ['CSV', csv, 'url', ';/'],
    ['CSV', csv, 'status', ';2'],
    ['CLF', clf, 'ip', '1'],
    ['CLF', clf, 'timestamp', '['],
    ['CLF', clf, 'method', '"G'],
    ['CLF', clf, 'url', ' /'],
    ['CLF', clf, 'status', '" 2'],
  ];
  // A method or URL with bytes that are not UTF-8 is still a request (decoded lossily, U+FFFD: real servers log such
  // URLs); a time, client or status that is not text carries none, so its line is rejected.
  for (const [format, line, field, marker] of fields) {
    add(`invalid UTF-8 in the ${format} ${field}`, breakUtf8(line, marker), field === 'method' || field === 'url' ? 'record' : 'invalid_utf8');
  }
  // JSON nested 100,000 deep: an array, an object, and as the status itself.
  add(`JSON arrays nested ${DEEP} deep`, withField('x', '['.repeat(DEEP) + ']'.repeat(DEEP)), 'malformed');
  add(`JSON objects nested ${DEEP} deep`, withField('x', '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP)), 'malformed');
  add(`a status nested ${DEEP} deep`, status('['.repeat(DEEP) + ']'.repeat(DEEP)), 'malformed');
  // Duplicate keys: the last one counts, as in JavaScript's JSON.parse.
  add('a duplicate "ip" key', json.replace('"ip":"10.0.0.1"', '"ip":"10.0.0.1","ip":"10.0.0.2"'), 'record');
  add('a duplicate "status" key (200, then 500)', status('200,"status":500'), 'error');
  // Numbers out of range.
  add('status 1e400 (beyond a double)', status('1e400'), 'malformed');
  add('status 99999999999999999999999', status('99999999999999999999999'), 'invalid_field');
  add('status -1', status('-1'), 'invalid_field');
  add('status 200.5', status('200.5'), 'invalid_field');
  add('status 70000', status('70000'), 'invalid_field');
  add('an epoch timestamp of 1e300', JSON.stringify({ ...base, timestamp: 1e300 }), 'invalid_timestamp');
  add('an epoch timestamp of -1e20', JSON.stringify({ ...base, timestamp: -1e20 }), 'invalid_timestamp');
  // Year 1 is long behind the watermark; year 9999 is beyond pipeline.maxFutureSkew.
  add('JSON in year 1', JSON.stringify({ ...base, timestamp: '0001-01-01T00:00:00Z' }), 'late');
  add('JSON in year 9999', JSON.stringify({ ...base, timestamp: '9999-12-31T23:59:59Z' }), 'future');
  add('CSV in year 1', csv.replace(ts, '0001-01-01T00:00:00Z'), 'late');
  add('CSV in year 9999', csv.replace(ts, '9999-12-31T23:59:59.999999Z'), 'future');
  add('CLF in year 1', '10.0.0.1 - - [01/Jan/0001:00:00:00 +0000] "GET /a HTTP/1.1" 200 1', 'late');
  add('CLF in year 9999', '10.0.0.1 - - [31/Dec/9999:23:59:59 +0000] "GET /a HTTP/1.1" 200 1', 'future');
  return out;
}

/** `line` with the bytes 0xFF 0xFE inserted right after the first `marker`. */
function breakUtf8(line: string, marker: string): Buffer {
  const found = line.indexOf(marker);
  if (found < 0) throw new Error(`no ${marker} in ${line}`);
  const at = Buffer.byteLength(line.slice(0, found + marker.length));
  const bytes = Buffer.from(line);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xfe]), bytes.subarray(at)]);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `06/Dec/2026:10:00:00 +0000`. */
function clfTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
