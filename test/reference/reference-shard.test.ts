// Hand-computed checks of the oracle itself: if the reference drifts from API.md, the differential test would
// happily certify a native core that drifted the same way, so every rule gets at least one literal example here.
import { describe, expect, it } from 'vitest';

import {
  type ReferenceResult,
  ReferenceMerger,
  ReferenceShard,
  civilFromDays,
  daysFromCivil,
  detectFormat,
  formatIsoUtc,
  ipKey,
  parseClfTimestamp,
  parseEpochMsDigits,
  parseEpochMsNumber,
  parseIsoTimestamp,
  windowsToOutput,
} from '../support/reference-shard.js';

/** 2025-06-09T09:42:00Z, a multiple of 10 s and 30 s: window edges fall on round numbers below. */
const T0 = 1749462120000000;
const S = 1_000_000;
/** Wall clock far enough ahead that nothing in these tests is `future` unless a test wants it. */
const NOW = T0 + 3600 * S;

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');
const rejectedOf = (r: ReferenceResult): Record<string, unknown>[] =>
  r.rejected.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const reasonsOf = (r: ReferenceResult): unknown[] => rejectedOf(r).map((x) => x['reason']);

/** A JSON line in the seed's spacing with overridable fields. */
function jsonLine(fields: Record<string, unknown>): string {
  const base: Record<string, unknown> = {
    timestamp: '2025-06-09T09:42:01.000000Z', ip: '10.0.0.1', method: 'GET', url: '/resource/1', status: 200,
  };
  return JSON.stringify({ ...base, ...fields }, null, 0).replace(/":/g, '": ').replace(/,"/g, ', "');
}

/** One line fed to a fresh shard; returns the rejection reason or 'ok'. */
function verdict(line: string | Buffer, options: ConstructorParameters<typeof ReferenceShard>[0] = {}): string {
  const shard = new ReferenceShard({ watermarkMs: 0, ...options });
  const r = shard.process('s', Buffer.concat([typeof line === 'string' ? buf(line) : line, buf('\n')]), NOW);
  if (r.counters.records === 1) return 'ok';
  const reasons = reasonsOf(r);
  expect(reasons).toHaveLength(1);
  return String(reasons[0]);
}

describe('calendar arithmetic', () => {
  it('matches known epoch days and round-trips', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 1, 1) * 86400).toBe(946684800);
    expect(daysFromCivil(1969, 12, 31)).toBe(-1);
    for (const d of [-719162, -1, 0, 59, 60, 10957, 20248, 2932896]) {
      const [y, m, dd] = civilFromDays(d);
      expect(daysFromCivil(y, m, dd)).toBe(d);
    }
  });

  it('formats ISO UTC with 3 or 6 fraction digits', () => {
    expect(formatIsoUtc(0n, 3)).toBe('1970-01-01T00:00:00.000Z');
    expect(formatIsoUtc(BigInt(T0) + 1034n, 6)).toBe('2025-06-09T09:42:00.001034Z');
    expect(formatIsoUtc(BigInt(T0) + 1034n, 3)).toBe('2025-06-09T09:42:00.001Z');
    expect(formatIsoUtc(-1n, 6)).toBe('1969-12-31T23:59:59.999999Z');
    expect(formatIsoUtc(253402300799999999n, 6)).toBe('9999-12-31T23:59:59.999999Z');
  });
});

describe('ISO timestamps', () => {
  const at = (s: number, us = 0): bigint => BigInt(s) * 1_000_000n + BigInt(us);

  it('accepts 0 to 9 fraction digits, truncating past 6', () => {
    expect(parseIsoTimestamp('1970-01-01T00:00:00Z')).toBe(0n);
    expect(parseIsoTimestamp('2000-01-01T00:00:00Z')).toBe(at(946684800));
    expect(parseIsoTimestamp('2000-01-01T00:00:00.5Z')).toBe(at(946684800, 500000));
    expect(parseIsoTimestamp('2000-01-01T00:00:00.001Z')).toBe(at(946684800, 1000));
    expect(parseIsoTimestamp('2000-01-01T00:00:00.001034Z')).toBe(at(946684800, 1034));
    expect(parseIsoTimestamp('2000-01-01T00:00:00.123456789Z')).toBe(at(946684800, 123456));
    expect(parseIsoTimestamp('2000-01-01T00:00:00.999999999Z')).toBe(at(946684800, 999999));
    expect(parseIsoTimestamp('2000-01-01T00:00:00.1234567890Z')).toBeNull();
    expect(parseIsoTimestamp('2000-01-01T00:00:00.Z')).toBeNull();
  });

  it('applies offsets in both spellings', () => {
    expect(parseIsoTimestamp('2000-01-01T02:00:00+02:00')).toBe(at(946684800));
    expect(parseIsoTimestamp('2000-01-01T02:00:00+0200')).toBe(at(946684800));
    expect(parseIsoTimestamp('1999-12-31T18:30:00-05:30')).toBe(at(946684800));
    expect(parseIsoTimestamp('2000-01-01T00:00:00-00:00')).toBe(at(946684800));
    expect(parseIsoTimestamp('2000-01-01T23:59:00+23:59')).toBe(at(946684800));
    expect(parseIsoTimestamp('2000-01-01T00:00:00+24:00')).toBeNull();
    expect(parseIsoTimestamp('2000-01-01T00:00:00+05:60')).toBeNull();
    expect(parseIsoTimestamp('2000-01-01T00:00:00+02')).toBeNull();
    expect(parseIsoTimestamp('2000-01-01T00:00:00+2:00')).toBeNull();
  });

  it('checks the calendar and the clock', () => {
    expect(parseIsoTimestamp('2024-02-29T12:00:00Z')).toBe(at(1709208000));
    expect(parseIsoTimestamp('2000-02-29T00:00:00Z')).not.toBeNull();
    expect(parseIsoTimestamp('2025-02-29T00:00:00Z')).toBeNull();
    expect(parseIsoTimestamp('1900-02-29T00:00:00Z')).toBeNull();
    expect(parseIsoTimestamp('2025-04-31T00:00:00Z')).toBeNull();
    expect(parseIsoTimestamp('2025-13-01T00:00:00Z')).toBeNull();
    expect(parseIsoTimestamp('2025-00-01T00:00:00Z')).toBeNull();
    expect(parseIsoTimestamp('2025-01-00T00:00:00Z')).toBeNull();
    expect(parseIsoTimestamp('2025-01-01T24:00:00Z')).toBeNull();
    expect(parseIsoTimestamp('2025-01-01T23:60:00Z')).toBeNull();
    expect(parseIsoTimestamp('2025-01-01T23:59:60Z')).toBeNull();
    expect(parseIsoTimestamp('0000-01-01T00:00:00Z')).toBeNull();
    expect(parseIsoTimestamp('0001-01-01T00:00:00Z')).toBe(-62135596800000000n);
    expect(parseIsoTimestamp('9999-12-31T23:59:59.999999Z')).toBe(253402300799999999n);
  });

  it('rejects everything that is not exactly the grammar', () => {
    for (const bad of [
      '2025-06-09t09:42:40Z', '2025-06-09T09:42:40z', '2025-06-09T09:42:40', '2025-06-09 09:42:40Z',
      ' 2025-06-09T09:42:40Z', '2025-06-09T09:42:40Z ', '2025-6-09T09:42:40Z', '25-06-09T09:42:40Z',
      '2025-06-09T09:42Z', '+2025-06-09T09:42:40Z', '2025-06-09T09:42:40.1.2Z', '２025-06-09T09:42:40Z',
      '21/Nov/2026:18:44:42 +0000', '1749462160001', '',
    ]) {
      expect(parseIsoTimestamp(bad), bad).toBeNull();
    }
  });
});

describe('CLF and epoch timestamps', () => {
  it('parses CLF times with offsets', () => {
    expect(parseClfTimestamp('21/Nov/2026:18:44:42 +0000')).toBe(1795286682000000n);
    expect(parseClfTimestamp('21/Nov/2026:20:44:42 +0200')).toBe(1795286682000000n);
    expect(parseClfTimestamp('21/Nov/2026:11:44:42 -0700')).toBe(1795286682000000n);
    for (const bad of [
      '21/nov/2026:18:44:42 +0000', '21/November/2026:18:44:42 +0000', '1/Nov/2026:18:44:42 +0000',
      '31/Nov/2026:18:44:42 +0000', '21/Nov/2026:18:44:42', '21/Nov/2026:18:44:42 +00:00',
      '21/Nov/2026 18:44:42 +0000', '21/Nov/2026:24:00:00 +0000', '21/Nov/2026:18:44:42 +2400',
      '2026-11-21T18:44:42Z',
    ]) {
      expect(parseClfTimestamp(bad), bad).toBeNull();
    }
  });

  it('reads JSON numbers as the nearest double, then truncates ms * 1000 in double arithmetic', () => {
    expect(parseEpochMsNumber('1749462160001')).toBe(1749462160001000n);
    expect(parseEpochMsNumber('1749462160001.5')).toBe(1749462160001500n);
    // .001 is the double ...001.0009765625; × 1000 rounds to ...001001.0 (spacing 0.25), so the µs survives.
    expect(parseEpochMsNumber('1749462160001.001')).toBe(1749462160001001n);
    // .0019 is the double ...001.001953125; × 1000 rounds to ...001002.0: double semantics, not decimal truncation.
    expect(parseEpochMsNumber('1749462160001.0019')).toBe(1749462160001002n);
    expect(parseEpochMsNumber('1749462190457.9009999')).toBe(1749462190457901n);
    expect(parseEpochMsNumber('1.749462160001e12')).toBe(1749462160001000n);
    expect(parseEpochMsNumber('1749462160001E0')).toBe(1749462160001000n);
    expect(parseEpochMsNumber('17494621600010e-1')).toBe(1749462160001000n);
    expect(parseEpochMsNumber('0')).toBe(0n);
    expect(parseEpochMsNumber('-0')).toBe(0n);
    expect(parseEpochMsNumber('0.0004')).toBe(0n);
    expect(parseEpochMsNumber('1e-400')).toBe(0n);
    expect(parseEpochMsNumber('-1e-400')).toBe(0n);
    expect(parseEpochMsNumber('-1')).toBeNull();
    expect(parseEpochMsNumber('-0.001')).toBeNull();
    // Near the top, doubles are 1/32 ms apart: .9 is .90625 and × 1000 lands on a multiple of 32 µs.
    expect(parseEpochMsNumber('253402300799999.9')).toBe(253402300799999904n);
    // .999 rounds to the next whole ms, which is out of range.
    expect(parseEpochMsNumber('253402300799999.999')).toBeNull();
    expect(parseEpochMsNumber('253402300800000')).toBeNull();
    expect(parseEpochMsNumber('2.534023008e14')).toBeNull();
    expect(parseEpochMsNumber('1e999999999999')).toBeNull();
    expect(parseEpochMsNumber('01')).toBeNull();
  });

  it('takes 1 to 16 digits in CSV, within the same range', () => {
    expect(parseEpochMsDigits('1749462160001')).toBe(1749462160001000n);
    expect(parseEpochMsDigits('0')).toBe(0n);
    expect(parseEpochMsDigits('0001749462160001')).toBe(1749462160001000n);
    expect(parseEpochMsDigits('253402300800000')).toBeNull();
    expect(parseEpochMsDigits('00001749462160001')).toBeNull();
    expect(parseEpochMsDigits('')).toBeNull();
    expect(parseEpochMsDigits('1749462160001.5')).toBeNull();
  });
});

describe('IP addresses', () => {
  it('takes strict dotted quads', () => {
    expect(ipKey('1.2.3.4')).toBe('4:1.2.3.4');
    expect(ipKey('0.0.0.0')).toBe('4:0.0.0.0');
    expect(ipKey('255.255.255.255')).toBe('4:255.255.255.255');
    for (const bad of ['01.2.3.4', '1.2.3.04', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1.2.3.4 ', '1..3.4', '+1.2.3.4', 'a.b.c.d', '']) {
      expect(ipKey(bad), bad).toBeNull();
    }
  });

  it('identifies IPv6 by its bytes', () => {
    const loop = '6:00000000000000000000000000000001';
    expect(ipKey('::1')).toBe(loop);
    expect(ipKey('0::1')).toBe(loop);
    expect(ipKey('0:0:0:0:0:0:0:1')).toBe(loop);
    expect(ipKey('0000:0000:0000:0000:0000:0000:0000:0001')).toBe(loop);
    expect(ipKey('FE80::1')).toBe(ipKey('fe80::1'));
    expect(ipKey('::ffff:1.2.3.4')).toBe('6:00000000000000000000ffff01020304');
    expect(ipKey('::ffff:1.2.3.4')).not.toBe(ipKey('1.2.3.4'));
    expect(ipKey('1:2:3:4:5:6:7::')).toBe('6:00010002000300040005000600070000');
    for (const bad of ['fe80::1%eth0', '[::1]', '1::2::3', '12345::', '::ffff:1.2.3.04', '1:2:3:4:5:6:7:8::', ':::', ' ::1']) {
      expect(ipKey(bad), bad).toBeNull();
    }
  });
});

describe('format detection', () => {
  it('follows the three rules', () => {
    expect(detectFormat('{"a": 1}')).toBe('json');
    expect(detectFormat(' \t {')).toBe('json');
    expect(detectFormat('1.2.3.4 - [x] "GET / HTTP/1.1" 200 1')).toBe('clf');
    expect(detectFormat('a] " b [')).toBe('csv');
    expect(detectFormat('x [] "')).toBe('clf');
    expect(detectFormat('x [" ')).toBe('csv');
    expect(detectFormat('2025-06-09T09:42:42.092004Z;1.2.3.4;POST;/r;200')).toBe('csv');
  });
});

describe('rejection reasons and their precedence', () => {
  it('accepts the seed lines of every format', () => {
    expect(verdict('{"timestamp": "2025-06-09T09:42:40.001034Z", "ip": "208.173.67.38", "method": "GET", "url": "/resource/3", "status": 404}')).toBe('ok');
    expect(verdict('2025-06-09T09:42:42.092004Z;142.239.108.255;POST;/resource/4;200')).toBe('ok');
    expect(verdict('192.168.10.57 - [09/Jun/2025:09:42:42 +0000] "GET /products HTTP/1.1" 200 1834')).toBe('ok');
    expect(verdict('1.2.3.4 - - [09/Jun/2025:09:42:42 +0000] "GET /home HTTP/1.1" 404 -')).toBe('ok');
    expect(verdict('1.2.3.4 - - [09/Jun/2025:09:42:42 +0000] "GET /home HTTP/1.1" 404 12 "http://x/" "curl/8.0"  ')).toBe('ok');
    expect(verdict('1.2.3.4 - - [09/Jun/2025:09:42:42 +0000] "GET /home" 404 12')).toBe('ok');
  });

  it('malformed', () => {
    expect(verdict('Arrêt du générateur de logs.')).toBe('malformed');
    expect(verdict('{"timestamp": "2025-06-09T09:42:40Z", "ip": ')).toBe('malformed');
    expect(verdict('{"a": 1} {"b": 2}')).toBe('malformed');
    expect(verdict('{"a": 1} x')).toBe('malformed');
    expect(verdict('[1, 2]', { format: 'json' })).toBe('malformed');
    expect(verdict('{"a": 01}')).toBe('malformed');
    expect(verdict('{"a": "tab\there"}')).toBe('malformed');
    expect(verdict('{"a": "\\x"}')).toBe('malformed');
    expect(verdict('no delimiter here', { format: 'csv' })).toBe('malformed');
    // Native parser decisions mirrored here (json.rs): unrepresentable strings, depth > 64, numbers beyond f64.
    expect(verdict(jsonLine({ url: '/\ud800' }))).toBe('malformed');
    expect(verdict(jsonLine({ url: '/\udc00\ud83d' }))).toBe('malformed');
    expect(verdict(jsonLine({ url: '/\ud83d\ude00' }))).toBe('ok');
    expect(verdict(jsonLine({ x: JSON.parse(`${'['.repeat(63)}${']'.repeat(63)}`) as unknown }))).toBe('ok');
    expect(verdict(jsonLine({ x: JSON.parse(`${'['.repeat(64)}${']'.repeat(64)}`) as unknown }))).toBe('malformed');
    expect(verdict(jsonLine({}).replace('"status": 200', '"status": 200, "big": 1e400'))).toBe('malformed');
    expect(verdict(jsonLine({}).replace('"status": 200', '"status": 200, "small": 1e-400'))).toBe('ok');
    expect(verdict('1.2.3.4 - - [09/Jun/2025:09:42:42 +0000] "GET /home HTTP/1.1" 20 12')).toBe('malformed');
    // a request of one word (nginx's `"GARBAGE" 400`) is a record: method GARBAGE, URL `-`
    expect(verdict('1.2.3.4 - - [09/Jun/2025:09:42:42 +0000] "GET" 200 12')).toBe('ok');
    expect(verdict('1.2.3.4 - - [09/Jun/2025:09:42:42 +0000] "GET /\\" 200 12')).toBe('malformed');
    expect(verdict('1.2.3.4 - - [09/Jun/2025:09:42:42 +0000] "GET /home HTTP/1.1" 200 1k')).toBe('malformed');
    expect(verdict('1.2.3.4  - [09/Jun/2025:09:42:42 +0000] "GET /home HTTP/1.1" 200 1')).toBe('malformed');
    expect(verdict('1.2.3.4 - - [09/Jun/2025:09:42:42 +0000] "GET /home HTTP/1.1" 200 1 "ref"')).toBe('malformed');
    // `auto` sends a line without `{` or CLF brackets to CSV; whitespace around JSON is fine.
    expect(verdict('  ' + jsonLine({}) + ' \t')).toBe('ok');
  });

  it('missing_field: absent, null or empty, checked before any validity', () => {
    expect(verdict('{"timestamp": "2025-06-09T09:42:40Z", "ip": "1.2.3.4", "method": "GET", "url": "/"}')).toBe('missing_field');
    expect(verdict(jsonLine({ ip: null }))).toBe('missing_field');
    expect(verdict(jsonLine({ timestamp: 'garbage', status: null }))).toBe('missing_field');
    expect(verdict('2025-06-09T09:42:40Z;1.2.3.4;GET;/r')).toBe('missing_field');
    expect(verdict('2025-06-09T09:42:40Z;;GET;/r;200')).toBe('missing_field');
    expect(verdict('2025-06-09T09:42:40Z;1.2.3.4;GET;;200')).toBe('missing_field');
    expect(verdict('garbage;1.2.3.4;GET;/r;')).toBe('missing_field');
    // Duplicate keys: the last one wins, null included.
    expect(verdict('{"timestamp": "2025-06-09T09:42:40Z", "ip": "1.2.3.4", "ip": null, "method": "GET", "url": "/", "status": 200}')).toBe('missing_field');
    expect(verdict('{"timestamp": "2025-06-09T09:42:40Z", "ip": null, "ip": "1.2.3.4", "method": "GET", "url": "/", "status": 200}')).toBe('ok');
  });

  it('invalid_field: ip, method, url, status', () => {
    expect(verdict(jsonLine({ ip: '256.0.0.1' }))).toBe('invalid_field');
    expect(verdict(jsonLine({ ip: 16909060 }))).toBe('invalid_field');
    expect(verdict(jsonLine({ ip: 'fe80::1%eth0' }))).toBe('invalid_field');
    expect(verdict(jsonLine({ ip: '' }))).toBe('invalid_field');
    expect(verdict(jsonLine({ method: '' }))).toBe('ok'); // kept as `-` (nginx's bad requests)
    expect(verdict(jsonLine({ method: 5 }))).toBe('invalid_field');
    expect(verdict(jsonLine({ url: ['/'] }))).toBe('invalid_field');
    for (const status of [99, 600, 'abc', '0404', '', ' 404', -404, true, { s: 404 }]) {
      expect(verdict(jsonLine({ status })), JSON.stringify(status)).toBe('invalid_field');
    }
    expect(verdict(jsonLine({}).replace('"status": 200', '"status": 404.0'))).toBe('invalid_field');
    expect(verdict(jsonLine({}).replace('"status": 200', '"status": 4.04e2'))).toBe('invalid_field');
    expect(verdict(jsonLine({ status: '404' }))).toBe('ok');
    expect(verdict(jsonLine({ status: '599' }))).toBe('ok');
    expect(verdict(jsonLine({ status: 100 }))).toBe('ok');
    expect(verdict('2025-06-09T09:42:40Z;1.2.3.4;GET;/r;404.0')).toBe('invalid_field');
    expect(verdict('2025-06-09T09:42:40Z;1.2.3.4;GET;/r;600')).toBe('invalid_field');
    expect(verdict('2025-06-09T09:42:40Z;1.2.3.4 ;GET;/r;200')).toBe('invalid_field');
    expect(verdict('1.2.3.4 - - [09/Jun/2025:09:42:42 +0000] "GET /home HTTP/1.1" 099 12')).toBe('invalid_field');
    expect(verdict('1.2.3.999 - - [09/Jun/2025:09:42:42 +0000] "GET /home HTTP/1.1" 200 12')).toBe('invalid_field');
    // ip is checked before status, but both give the same reason; the first invalid one decides.
    expect(verdict(jsonLine({ ip: 'x', status: 'y' }))).toBe('invalid_field');
  });

  it('invalid_timestamp: wrong type or text, and it precedes invalid fields', () => {
    expect(verdict(jsonLine({ timestamp: true }))).toBe('invalid_timestamp');
    expect(verdict(jsonLine({ timestamp: [] }))).toBe('invalid_timestamp');
    expect(verdict(jsonLine({ timestamp: '2025-02-30T00:00:00Z' }))).toBe('invalid_timestamp');
    expect(verdict(jsonLine({ timestamp: '1749462160001' }))).toBe('invalid_timestamp');
    expect(verdict(jsonLine({ timestamp: '09/Jun/2025:09:42:42 +0000' }))).toBe('invalid_timestamp');
    expect(verdict(jsonLine({ timestamp: -1 }))).toBe('invalid_timestamp');
    expect(verdict(jsonLine({ timestamp: 253402300800000 }))).toBe('invalid_timestamp');
    expect(verdict(jsonLine({ timestamp: 1749462121000 }))).toBe('ok');
    expect(verdict(jsonLine({ timestamp: 'bad', ip: 'bad', status: 'bad' }))).toBe('invalid_timestamp');
    expect(verdict('2025-06-09T09:42:40;1.2.3.4;GET;/r;200')).toBe('invalid_timestamp');
    expect(verdict('09/Jun/2025:09:42:42 +0000;1.2.3.4;GET;/r;200')).toBe('invalid_timestamp');
    expect(verdict('1749462121000;1.2.3.4;GET;/r;200')).toBe('ok');
    expect(verdict('1.2.3.4 - - [2025-06-09T09:42:42Z] "GET /home HTTP/1.1" 200 12')).toBe('invalid_timestamp');
    expect(verdict('x - - [32/Jun/2025:09:42:42 +0000] "GET /home HTTP/1.1" 600 12')).toBe('invalid_timestamp');
  });

  it('too_long before invalid_utf8 before parsing; the cut keeps 4096 bytes', () => {
    const line = jsonLine({});
    expect(verdict(line, { maxLineBytes: line.length })).toBe('ok');
    expect(verdict(line, { maxLineBytes: line.length - 1 })).toBe('too_long');
    expect(verdict(Buffer.concat([Buffer.from([0xff]), buf('x'.repeat(20))]), { maxLineBytes: 10 })).toBe('too_long');
    expect(verdict(Buffer.from([0x7b, 0xff, 0x7d]))).toBe('invalid_utf8');
    // A CR before the newline is not part of the line: exactly maxLineBytes + CR is fine.
    const s = new ReferenceShard({ maxLineBytes: line.length });
    expect(s.process('s', buf(`${line}\r\n`), NOW).counters.records).toBe(1);

    const long = new ReferenceShard({ maxLineBytes: 5000 });
    // 4095 ASCII bytes then a 2-byte character: the 4096-byte cut splits it, so the cut bytes are not UTF-8.
    const r = long.process('s', buf(`${'a'.repeat(4095)}é${'b'.repeat(1000)}\n`), NOW);
    const [rec] = rejectedOf(r);
    expect(rec?.['reason']).toBe('too_long');
    expect(rec?.['line']).toBe(`${'a'.repeat(4095)}\uFFFD`);
    expect(Buffer.from(String(rec?.['line_base64']), 'base64')).toEqual(buf(`${'a'.repeat(4095)}é`).subarray(0, 4096));
    // A cut that ends on a character boundary needs no base64.
    const r2 = long.process('s', buf(`${'a'.repeat(4094)}é${'b'.repeat(1000)}\n`), NOW);
    expect(rejectedOf(r2)[0]).toEqual({ reason: 'too_long', source: 's', line: `${'a'.repeat(4094)}é` });
  });

  it('writes rejected records with lossy text and exact base64 for non-UTF-8 input', () => {
    const s = new ReferenceShard();
    const r = s.process('tcp:1', Buffer.from([0x61, 0xc3, 0x28, 0x62, 0x0a]), NOW);
    expect(r.counters.rejected.invalidUtf8).toBe(1);
    expect(rejectedOf(r)).toEqual([
      { reason: 'invalid_utf8', source: 'tcp:1', line: 'a\uFFFD(b', line_base64: Buffer.from([0x61, 0xc3, 0x28, 0x62]).toString('base64') },
    ]);
    // A BOM is kept as U+FEFF rather than silently dropped.
    const bom = s.process('s', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), buf('x\n')]), NOW);
    expect(rejectedOf(bom)).toEqual([{ reason: 'malformed', source: 's', line: '\uFEFFx' }]);
  });

  it('future: strictly more than maxFutureSkew ahead of now, not written to errors', () => {
    const s = new ReferenceShard({ maxFutureSkewMs: 1000, watermarkMs: 0 });
    const now = T0;
    const at = (us: number): string => `${formatIsoUtc(BigInt(us), 6)};1.2.3.4;GET;/r;500\n`;
    const r = s.process('s', buf(at(now + 1000 * 1000) + at(now + 1000 * 1000 + 1)), now);
    expect(r.counters.records).toBe(1);
    expect(r.counters.rejected.future).toBe(1);
    expect(r.counters.errors).toBe(1);
    expect(r.errors.toString().split('\n').filter(Boolean)).toHaveLength(1);
    expect(reasonsOf(r)).toEqual(['future']);
  });
});

describe('framing', () => {
  it('joins lines across chunks, drops one CR, skips blank lines uncounted', () => {
    const line = '2025-06-09T09:42:01Z;1.2.3.4;GET;/r;200';
    const data = buf(`${line}\r\n\r\n  \t \n\n${line}\r\r\n${line}`);
    const shard = new ReferenceShard({ watermarkMs: 0 });
    let lines = 0;
    let records = 0;
    let bytes = 0;
    const reasons: unknown[] = [];
    for (let i = 0; i < data.length; i += 3) {
      const r = shard.process('s', data.subarray(i, i + 3), NOW);
      lines += r.counters.lines;
      records += r.counters.records;
      bytes += r.counters.bytes;
      reasons.push(...reasonsOf(r));
    }
    expect({ lines, records, bytes }).toEqual({ lines: 2, records: 1, bytes: data.length });
    // `line\r\r`: only the last CR goes, the other makes the status field `200\r`.
    expect(reasons).toEqual(['invalid_field']);
    const end = shard.endStream('s', NOW);
    expect(end.counters).toMatchObject({ lines: 1, records: 1, bytes: 0 });
  });

  it('processes the trailing partial line at endStream and forgets the stream', () => {
    const shard = new ReferenceShard({ watermarkMs: 0 });
    shard.process('s', buf('2025-06-09T09:42:01Z;1.2.3.4;GET;/r;404\r'), NOW);
    const end = shard.endStream('s', NOW);
    expect(end.counters.records).toBe(1);
    expect(end.errors.toString()).toBe('{"timestamp":"2025-06-09T09:42:01.000000Z","ip":"1.2.3.4","method":"GET","url":"/r","status":404}\n');
    expect(end.watermarkUs).toBeNull();
    expect(shard.endStream('unknown', NOW).counters.lines).toBe(0);
  });

  it('counts a too_long line once and keeps framing after it', () => {
    const shard = new ReferenceShard({ maxLineBytes: 40, watermarkMs: 0 });
    const r1 = shard.process('s', buf('x'.repeat(30)), NOW);
    const r2 = shard.process('s', buf(`${'y'.repeat(30)}\n1749462121000;1.2.3.4;GET;/r;200\n`), NOW);
    expect(r1.counters.lines + r2.counters.lines).toBe(2);
    expect(rejectedOf(r2)[0]).toEqual({ reason: 'too_long', source: 's', line: `${'x'.repeat(30)}${'y'.repeat(30)}` });
    expect(r2.counters.rejected.tooLong).toBe(1);
    expect(r2.counters.rejected.malformed).toBe(0);
    // Blank lines stay blank however long they are.
    expect(shard.process('s', buf(`${' '.repeat(50)}\n`), NOW).counters.lines).toBe(0);
  });
});

describe('error records', () => {
  it('keeps JSON verbatim and re-encodes CSV/CLF compactly with JSON.stringify escaping', () => {
    const shard = new ReferenceShard({ watermarkMs: 0 });
    const json = ` {"timestamp": "2025-06-09T11:42:01.5+02:00", "ip": "::1", "method": "GET", "url": "/a\\u00e9", "status": "500", "extra": {"k": [1]}} `;
    const csv = '1749462121000;1.2.3.4;GE"T;/a\tb\u0001c;d/é;404';
    const clf = '1.2.3.4 - - [09/Jun/2025:09:42:02 +0000] "DELETE /x?q=1 HTTP/1.1" 503 0012 "http://r/\\\\" "Mozilla/5.0 (X)"';
    const clfShort = '1.2.3.4 - [09/Jun/2025:11:42:03 +0200] "GET /y" 404 -';
    const r = shard.process('s', buf(`${json}\n${csv}\n${clf}\n${clfShort}\n`), NOW);
    expect(r.counters.errors).toBe(4);
    expect(r.errors.toString('utf8').split('\n')).toEqual([
      json,
      '{"timestamp":"2025-06-09T09:42:01.000000Z","ip":"1.2.3.4","method":"GE\\"T","url":"/a\\tb\\u0001c;d/é","status":404}',
      '{"timestamp":"2025-06-09T09:42:02.000000Z","ip":"1.2.3.4","method":"DELETE","url":"/x?q=1","status":503,"size":12,"referer":"http://r/\\\\\\\\","user_agent":"Mozilla/5.0 (X)"}',
      '{"timestamp":"2025-06-09T09:42:03.000000Z","ip":"1.2.3.4","method":"GET","url":"/y","status":404}',
      '',
    ]);
  });

  it('uses the configured error threshold and delimiter', () => {
    const shard = new ReferenceShard({ errorStatusMin: 500, csvDelimiter: ',', format: 'csv' });
    const r = shard.process('s', buf('1749462121000,1.2.3.4,GET,/a;b,/c,404\n1749462121000,1.2.3.4,GET,/a,500\n'), NOW);
    expect(r.counters).toMatchObject({ records: 2, errors: 1 });
    shard.flush(NOW);
    const out = windowsToOutput(shard.flush(NOW).closed, 100);
    expect(out.windows).toEqual([]);
  });
});

describe('windows, watermarks and lateness', () => {
  const W = 10 * S;
  const at = (us: number, status = 200, ip = '1.2.3.4', url = '/r'): string =>
    `${formatIsoUtc(BigInt(us), 6)};${ip};GET;${url};${status}\n`;
  const opts = { windowMs: 10000, watermarkMs: 2000, idleTimeoutMs: 30000 };

  it('a record exactly at a window end opens the next window', () => {
    const shard = new ReferenceShard(opts);
    shard.process('s', buf(at(T0 + W - 1) + at(T0 + W)), NOW);
    expect(shard.openWindows().map((w) => [w.startUs, w.requests])).toEqual([[BigInt(T0), 1], [BigInt(T0 + W), 1]]);
  });

  it('a watermark equal to the window end closes it; older records are late, by 1 µs too', () => {
    const shard = new ReferenceShard(opts);
    const r1 = shard.process('s', buf(at(T0 + 1) + at(T0 + W + 2 * S - 1)), NOW);
    expect(r1.closedWindows).toBe(0);
    expect(r1.watermarkUs).toBe(T0 + W - 1);
    expect(r1.closedThroughUs).toBe(T0 + W - 1);
    // Not late yet: closedThrough is 1 µs short of the end.
    const r2 = shard.process('s', buf(at(T0 + W - 1, 500)), NOW);
    expect(r2.counters).toMatchObject({ records: 1, late: 0 });
    const r3 = shard.process('s', buf(at(T0 + W + 2 * S)), NOW);
    expect(r3.closedWindows).toBe(1);
    expect(r3.closedThroughUs).toBe(T0 + W);
    expect(r3.closed[0]).toMatchObject({ startUs: BigInt(T0), endUs: BigInt(T0 + W), requests: 2, errors: 1 });
    const r4 = shard.process('s', buf(at(T0 + W - 1, 404)), NOW);
    expect(r4.counters).toMatchObject({ records: 0, late: 1, errors: 1, rejected: { late: 1 } });
    expect(reasonsOf(r4)).toEqual(['late']);
    // Late, yet still an error record, written as CSV input's compact JSON.
    expect(r4.errors.toString()).toBe(`{"timestamp":"${formatIsoUtc(BigInt(T0 + W - 1), 6)}","ip":"1.2.3.4","method":"GET","url":"/r","status":404}\n`);
    expect(r4.statusCounts).toEqual([]);
  });

  it('late records still move the stream max event time', () => {
    const shard = new ReferenceShard({ ...opts, watermarkMs: 0 });
    shard.setPeerWatermark(T0 + 5 * W);
    const r = shard.process('s', buf(at(T0 + W)), NOW);
    expect(r.counters.late).toBe(1);
    expect(r.watermarkUs).toBe(T0 + W);
  });

  it('windows close in start order, also several in one call', () => {
    // A 25 s delay keeps three windows open until the last record moves the watermark past all of them.
    const shard = new ReferenceShard({ ...opts, watermarkMs: 25000 });
    const r = shard.process('s', buf(at(T0 + 2 * W + 5) + at(T0 + 5) + at(T0 + W + 5) + at(T0 + 10 * W)), NOW);
    expect(r.counters.late).toBe(0);
    expect(r.closed.map((w) => w.startUs)).toEqual([BigInt(T0), BigInt(T0 + W), BigInt(T0 + 2 * W)]);
  });

  it('the own watermark is the minimum over streams; an idle stream is released', () => {
    const shard = new ReferenceShard(opts);
    shard.process('b', buf(at(T0 + W / 2)), NOW);
    const rb = shard.process('a', buf(at(T0 + 5 * W)), NOW);
    expect(rb.watermarkUs).toBe(T0 + W / 2 - 2 * S);
    // 30 s minus 1 µs: b is still active.
    const notYet = shard.tick(NOW + 30 * S - 1);
    expect(notYet.closedWindows).toBe(0);
    // a gave data at the same time, so both go idle together: the max over idle streams wins.
    const both = shard.tick(NOW + 30 * S);
    expect(both.watermarkUs).toBe(T0 + 5 * W - 2 * S);
    expect(both.closed.map((w) => w.startUs)).toEqual([BigInt(T0)]);
  });

  it('idle release takes effect at the start of the call that brings new data', () => {
    const shard = new ReferenceShard(opts);
    shard.process('b', buf(at(T0 + 1)), NOW);
    const r1 = shard.process('a', buf(at(T0 + 3 * W)), NOW + 20 * S);
    // b (watermark T0 - 2 s + 1 µs) holds window T0 open.
    expect(r1.closedWindows).toBe(0);
    // At NOW + 30 s b is idle and a is not: a's watermark (T0 + 28 s) applies before a's first record,
    // so a record in window T0 is already late (it would be aggregated if the release came after it).
    const r = shard.process('a', buf(at(T0 + 5)), NOW + 30 * S);
    expect(r.closed.map((w) => w.startUs)).toEqual([BigInt(T0)]);
    expect(r.counters).toMatchObject({ records: 0, late: 1 });
  });

  it('endStream stops a stream holding the watermark back', () => {
    const shard = new ReferenceShard(opts);
    shard.process('b', buf(at(T0 + 1)), NOW);
    shard.process('a', buf(at(T0 + 5 * W)), NOW);
    const r = shard.endStream('b', NOW);
    expect(r.closed.map((w) => w.startUs)).toEqual([BigInt(T0)]);
    expect(r.watermarkUs).toBe(T0 + 5 * W - 2 * S);
  });

  it('the peer watermark holds the effective watermark back; null releases it', () => {
    const shard = new ReferenceShard(opts);
    shard.setPeerWatermark(T0);
    const r1 = shard.process('s', buf(at(T0 + 1) + at(T0 + 5 * W)), NOW);
    expect(r1.closedWindows).toBe(0);
    expect(r1.watermarkUs).toBe(T0 + 5 * W - 2 * S);
    expect(r1.closedThroughUs).toBe(T0);
    const r2 = shard.setPeerWatermark(T0 + W);
    expect(r2.closed.map((w) => w.startUs)).toEqual([BigInt(T0)]);
    expect(r2.closedThroughUs).toBe(T0 + W);
    // Lowering the peer never reopens: closedThrough is monotonic.
    expect(shard.setPeerWatermark(T0).closedThroughUs).toBe(T0 + W);
    const r3 = shard.setPeerWatermark(null);
    expect(r3.closedThroughUs).toBe(T0 + 5 * W - 2 * S);
    // With no stream at all, the peer alone is the effective watermark.
    const lone = new ReferenceShard(opts);
    expect(lone.setPeerWatermark(T0).closedThroughUs).toBe(T0);
    expect(lone.setPeerWatermark(T0).watermarkUs).toBeNull();
  });

  it('flush handles partial lines of every stream and closes every window', () => {
    const shard = new ReferenceShard(opts);
    shard.process('a', buf(at(T0 + 1).trimEnd()), NOW);
    shard.process('b', buf(at(T0 + 3 * W, 500).trimEnd()), NOW);
    const r = shard.flush(NOW);
    expect(r.counters).toMatchObject({ lines: 2, records: 2, errors: 1 });
    expect(r.closed.map((w) => w.startUs)).toEqual([BigInt(T0), BigInt(T0 + 3 * W)]);
    // b's record moved closedThrough past window T0 while a's was processed first, so nothing was late.
    expect(r.closedThroughUs).toBe(T0 + 1 - 2 * S);
  });

  it('statusCounts report the running count of each (window, status) a call touched', () => {
    const shard = new ReferenceShard(opts);
    const lines = [at(T0 + 1, 500), at(T0 + 2, 500), at(T0 + 3, 404), at(T0 + 4, 500), at(T0 + 5, 500), at(T0 + 6, 200)];
    const r = shard.process('s', buf(lines.join('')), NOW);
    expect(r.statusCounts).toEqual([{ windowStartUs: T0, status: 500, count: 4 }, { windowStartUs: T0, status: 404, count: 1 }]);
    const r2 = shard.process('s', buf(at(T0 + 7, 404)), NOW);
    expect(r2.statusCounts).toEqual([{ windowStartUs: T0, status: 404, count: 2 }]);
  });

  it('counts per call', () => {
    const shard = new ReferenceShard(opts);
    const r1 = shard.process('s', buf(at(T0 + 1) + at(T0 + 2, 500)), NOW);
    const r2 = shard.process('s', buf('x\n'), NOW);
    expect(r1.counters).toMatchObject({ lines: 2, records: 2, errors: 1 });
    expect(r2.counters).toMatchObject({ lines: 1, records: 0, errors: 0, rejected: { malformed: 1 } });
  });
});

describe('rows', () => {
  it('emits the summary then statuses ascending, URLs by count then bytes, truncated at the cap', () => {
    const shard = new ReferenceShard({ windowMs: 30000 });
    const ln = (ip: string, url: string, status: number): string => `1749462121000;${ip};GET;${url};${status}\n`;
    const data =
      ln('1.1.1.1', '/b', 500) + ln('1.1.1.2', '/b', 500) + ln('1.1.1.3', '/a', 500) + ln('::1', '/\u{1F600}', 500) +
      ln('0::1', '/\uFFFF', 500) + ln('1.1.1.1', '/z', 404) + ln('1.1.1.4', '/ok', 200) + ln('1.1.1.4', '/ok', 200);
    const r = shard.process('s', buf(data), NOW);
    expect(r.counters.records).toBe(8);
    const out = windowsToOutput(shard.flush(NOW).closed, 3);
    const rows = out.rows.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
    const ws = '2025-06-09T09:42:00.000Z';
    const we = '2025-06-09T09:42:30.000Z';
    expect(rows).toEqual([
      { kind: 'summary', window_start: ws, window_end: we, requests: 8, errors: 6, error_rate: 0.75, unique_ips: 5, error_unique_ips: 4 },
      { kind: 'status', window_start: ws, window_end: we, status: 404, error_count: 1, unique_ips: 1, error_urls: ['/z'], top_urls: [{ url: '/z', count: 1 }] },
      {
        kind: 'status', window_start: ws, window_end: we, status: 500, error_count: 5, unique_ips: 4,
        // U+FFFF (EF BF BF) sorts before U+1F600 (F0 9F 98 80) in bytes, after it in UTF-16 units.
        error_urls: ['/b', '/a', '/\uFFFF'], error_urls_truncated: true,
        top_urls: [{ url: '/b', count: 2 }, { url: '/a', count: 1 }, { url: '/\uFFFF', count: 1 }, { url: '/\u{1F600}', count: 1 }],
      },
    ]);
    // Key order is part of the contract of the rows.
    expect(out.rows.toString('utf8').split('\n')[0]).toMatch(/^\{"kind":"summary","window_start":.*"error_unique_ips":4\}$/);
    expect(out.windows).toEqual([{
      windowStartUs: T0, windowEndUs: T0 + 30 * S, requests: 8, errors: 6, uniqueIps: 5, errorUniqueIps: 4,
      statuses: [{ status: 404, errorCount: 1, uniqueIps: 1 }, { status: 500, errorCount: 5, uniqueIps: 4 }],
    }]);
  });

  it('top_urls stops at 10; the merger drains by window end and merges equal windows', () => {
    const shard = new ReferenceShard({ windowMs: 1000, watermarkMs: 0 });
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) lines.push(`1749462120500;1.1.1.1;GET;/u${String(i).padStart(2, '0')};500\n`);
    lines.push('1749462121500;1.1.1.1;GET;/x;200\n', '1749462125000;1.1.1.1;GET;/x;200\n');
    const r = shard.process('s', buf(lines.join('')), NOW);
    expect(r.closedWindows).toBe(2);
    const merger = new ReferenceMerger({ maxUrlsPerWindow: 100 });
    merger.add(r.closed);
    // The same window from another shard: one more request from another address.
    merger.add([{ startUs: BigInt(T0), endUs: BigInt(T0 + 1000 * 1000), requests: 1, errors: 0, ips: new Set(['4:9.9.9.9']), errorIps: new Set(), statuses: new Map() }]);
    const first = merger.drain(T0 + 1000 * 1000);
    expect(first.windows.map((w) => [w.windowStartUs, w.requests, w.uniqueIps])).toEqual([[T0, 13, 2]]);
    const row = JSON.parse(first.rows.toString().split('\n')[1] ?? '') as { top_urls: unknown[]; error_urls: unknown[] };
    expect(row.error_urls).toHaveLength(12);
    expect(row.top_urls).toHaveLength(10);
    expect(merger.drain(null).windows.map((w) => w.windowStartUs)).toEqual([T0 + 1000 * 1000]);
    expect(merger.drain(null).rows.length).toBe(0);
  });
});
