// Issue 14: access logs as nginx 1.22 and Apache 2.4 really write them — their bad requests, empty methods and
// URLs, raw bytes that are not UTF-8, `\xHH` escapes — read by the real daemon from a file with each JSON preset
// and with `clf`. Every line is a record; the error records in errors/ are valid UTF-8 JSON; the window rows
// count every line. The lines are written here byte for byte in the servers' formats (README "Input formats").
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { spawnCli } from '../support/cli.js';
import { lines, readKind } from './helpers.js';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
/** Bytes as the server wrote them, a line each (latin1 keeps every byte >= 0x80 as one raw byte). */
const log = (...l: (string | Buffer)[]): Buffer => Buffer.concat(l.flatMap((x) => [typeof x === 'string' ? Buffer.from(x, 'utf8') : x, b('\n')]));

interface Case {
  name: string;
  config: string;
  data: Buffer;
  /** method and url of every error record (compared sorted: with several workers, shards write in any order). */
  errors: [string, string][];
  requests: number;
  uniqueIps: number;
}

const NGINX_T = '2026-12-06T01:22:51+00:00';
const APACHE_T = '2026-12-06T02:22:51.123456+0100';
const CLF_T = '[06/Dec/2026:01:22:51 +0000]';
const nginxJson = (addr: string, method: string, uri: string | Buffer, status: number, ua = 'curl/7.88.1'): Buffer =>
  Buffer.concat([
    b(`{"time_iso8601":"${NGINX_T}","remote_addr":"${addr}","request_method":"${method}","request_uri":"`),
    typeof uri === 'string' ? b(uri) : uri,
    b(`","status":${status},"body_bytes_sent":157,"http_user_agent":"${ua}","request_time":0.000}`),
  ]);
const apacheJson = (client: string, method: string, uri: string, status: number): string =>
  `{"time":"${APACHE_T}","client":"${client}","method":"${method}","uri":"${uri}","status":${status},"bytes":"-","userAgent":"curl/7.88.1"}`;

const CASES: Case[] = [
  {
    name: 'json.preset nginx',
    config: 'format: json\njson:\n  preset: nginx\n',
    data: log(
      nginxJson('127.0.0.1', 'GET', '/index.html', 200),
      nginxJson('127.0.0.1', '', '', 400, ''), // nginx's "GARBAGE" request: no method, no URI
      nginxJson('::1', '', '', 505, ''),
      nginxJson('::1', 'GET', Buffer.from([0x2f, 0x63, 0x61, 0x66, 0xe9]), 404), // /caf + raw 0xE9: not UTF-8
    ),
    errors: [
      ['-', '-'],
      ['-', '-'],
      ['GET', '/caf\ufffd'],
    ],
    requests: 4,
    uniqueIps: 2,
  },
  {
    name: 'json.preset apache',
    config: 'format: json\njson:\n  preset: apache\n',
    data: log(
      apacheJson('10.0.0.7', 'GET', '/', 200),
      apacheJson('10.0.0.7', 'GET', String.raw`/caf\xc3\xa9?q=\x22`, 404), // Apache's \xhh: not a JSON escape
      apacheJson('::1', '-', '-', 414), // a 10 KB URL: Apache writes - for method and URI
    ),
    errors: [
      ['GET', String.raw`/caf\xc3\xa9?q=\x22`],
      ['-', '-'],
    ],
    requests: 3,
    uniqueIps: 2,
  },
  {
    name: 'json.preset ecs',
    config: 'format: json\njson:\n  preset: ecs\n',
    data: log(
      '{"@timestamp":"2026-12-06T01:22:51.000Z","source":{"ip":"1.2.3.4"},"http":{"request":{"method":"GET"},"response":{"status_code":200}},"url":{"original":"/a"}}',
      '{"@timestamp":"2026-12-06T01:22:52.000Z","source.ip":"1.2.3.5","http.request.method":"POST","url.original":"/b","http.response.status_code":503,"user_agent.original":"x"}',
    ),
    errors: [['POST', '/b']],
    requests: 2,
    uniqueIps: 2,
  },
  {
    name: 'clf (nginx combined, Apache combined)',
    config: 'format: clf\n',
    data: log(
      `127.0.0.1 - - ${CLF_T} "GARBAGE" 400 157 "-" "-"`,
      `127.0.0.1 - - ${CLF_T} "" 400 0 "-" "-"`,
      `::1 - - ${CLF_T} "GET /caf\\xC3\\xA9 HTTP/1.1" 404 153 "-" "curl/7.88.1"`,
      `::1 - - ${CLF_T} "GET /" 200 615 "-" "-"`,
      `127.0.0.1 - - ${CLF_T} "GET /q=\\"x\\" HTTP/1.1" 404 196 "-" "Mozilla \\"5\\""`,
      `localhost - bob ${CLF_T} "GET / HTTP/1.1" 200 10701 "-" "curl/7.88.1" 0.001 "0.002"`,
      Buffer.concat([b(`127.0.0.1 - - ${CLF_T} "GET /`), Buffer.from([0xff]), b(` HTTP/1.1" 404 153 "-" "-"`)]),
    ),
    errors: [
      ['GARBAGE', '-'],
      ['-', '-'],
      ['GET', String.raw`/caf\xC3\xA9`],
      ['GET', String.raw`/q=\"x\"`],
      ['GET', '/\ufffd'],
    ],
    requests: 7,
    uniqueIps: 3,
  },
];

describe('web-server access logs through the daemon (issue 14)', () => {
  it.each(CASES)('$name: every line is a record, error records are valid UTF-8 JSON', async (c) => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-websrv-'));
    const input = join(dir, 'access.log');
    const cfg = join(dir, 'logpulse.yaml');
    writeFileSync(input, c.data);
    writeFileSync(cfg, `${c.config}console:\n  enabled: false\n`);
    const out = join(dir, 'out');
    const p = spawnCli(['run', '--no-api', '-c', cfg, '--source', `file:${input}`, '--output', out, '--checkpoint', join(dir, 'cp')]);
    expect(await p.exit, p.stderr()).toBe(0);

    expect(readKind(out, 'rejected')).toBe('');
    const errors = lines(readKind(out, 'errors')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const byKey = (e: Record<string, unknown>, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], e);
    const methodUrl = errors.map((e): [string, string] => {
      // JSON error records are the line as written (made valid JSON); CLF ones are re-encoded under our names
      if (c.name === 'json.preset nginx') return [String(e.request_method || '-'), String(e.request_uri || '-')];
      if (c.name === 'json.preset apache') return [String(e.method), String(e.uri)];
      if (c.name === 'json.preset ecs') return [String(byKey(e, 'http.request.method')), String(byKey(e, 'url.original'))];
      return [String(e.method), String(e.url)];
    });
    expect(methodUrl.sort(), JSON.stringify(errors)).toEqual([...c.errors].sort());

    const summary = lines(readKind(out, 'metrics'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.type === 'summary' || 'requests' in r);
    const total = (k: string): number => summary.reduce((n, r) => n + Number(r[k] ?? 0), 0);
    expect([total('requests'), total('errors'), total('unique_ips')]).toEqual([c.requests, c.errors.length, c.uniqueIps]);
  }, 60_000);
});
