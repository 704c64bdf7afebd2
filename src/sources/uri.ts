// The grammar of source URIs (SPEC §1), the only one: `run --source`, the config's `source` and `kafka.brokers`
// keys and `gen --out` all go through it, so a URI one accepts the others accept. Parsed up front into a
// discriminated union so a typo fails at config time with a message naming the problem, never later as a
// half-started pipeline. Pure: it builds nothing (sources/create-source.ts turns a spec into a running source).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { LogpulseError } from '../errors.js';
import { GEN_FORMATS, type GenFormat } from '../gen/formats.js';

/**
 * `generator:?rate=R&count=N&seed=S&format=F&errorRate=E` — in-process log lines.
 * Defaults: rate 100 lines/s (0 = as fast as possible), count unbounded (null), seed random (null),
 * format json, errorRate null (statuses 200/404/500 weighted 90/5/5; otherwise 200 with 1 - errorRate, the
 * rest split evenly between 404 and 500).
 */
export interface GeneratorSpec {
  kind: 'generator';
  uri: string;
  rate: number;
  count: number | null;
  seed: number | null;
  format: GenFormat;
  errorRate: number | null;
}

/** `stdin:` — the process's standard input, finite. */
export interface StdinSpec {
  kind: 'stdin';
  uri: string;
}

/** `file:PATH[?follow=true]` or `file:///abs/path` — `path` is absolute (relative ones resolve against the cwd). */
export interface FileSpec {
  kind: 'file';
  uri: string;
  path: string;
  follow: boolean;
}

/** `tcp://HOST:PORT` — connect as a client, reconnecting with backoff. `host` has no IPv6 brackets. */
export interface TcpSpec {
  kind: 'tcp';
  uri: string;
  host: string;
  port: number;
}

/** `tcp-listen://[HOST]:PORT` — accept many producers; port 0 picks a free port; no host: 127.0.0.1. */
export interface TcpListenSpec {
  kind: 'tcp-listen';
  uri: string;
  host: string;
  port: number;
}

/**
 * `kafka://HOST:PORT,HOST:PORT/TOPIC[?group=G&startingOffsets=earliest|latest&endingOffsets=latest]` — brokers
 * default to port 9092. Options not in the URI are null: the `kafka` config section supplies them (group
 * `logpulse`, startingOffsets `latest`). `endingOffsets=latest` reads up to the end offsets seen at assignment,
 * then ends the run like a file (a bounded re-read of a topic).
 */
export interface KafkaSpec {
  kind: 'kafka';
  uri: string;
  brokers: string[];
  topic: string;
  group: string | null;
  startingOffsets: 'earliest' | 'latest' | null;
  endingOffsets: 'latest' | null;
}

export type SourceSpec = GeneratorSpec | StdinSpec | FileSpec | TcpSpec | TcpListenSpec | KafkaSpec;

const EXPECTED = 'expected one of generator:, stdin:, file:PATH, tcp://HOST:PORT, tcp-listen://HOST:PORT, kafka://BROKERS/TOPIC';

const KAFKA_DEFAULT_PORT = 9092;
/** `tcp-listen://:PORT` binds the loopback only: listening on every interface must be asked for (`0.0.0.0`, `[::]`). */
export const TCP_LISTEN_DEFAULT_HOST = '127.0.0.1';
/** Lines per second of `generator:` without `rate=`. */
export const GENERATOR_DEFAULT_RATE = 100;
/** A host name or IPv4 address, or an IPv6 address in brackets: of a `tcp://` URI and of each Kafka broker. */
const HOST = String.raw`\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+`;
const BROKER = new RegExp(`^(${HOST})(?::(\\d+))?$`);
const HOST_PORT = new RegExp(`^(${HOST})?(?::([^/]*))?/?$`);

/** The grammar's verdict without an exception. `problem` names what is wrong, never a credential or the value of an unknown option. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** What the grammar throws internally: the problem in words; the entry points decide how it reaches the user. */
class UriProblem {
  constructor(readonly text: string) {}
}

function fail(text: string): never {
  throw new UriProblem(text);
}

function checked<T>(parse: () => T): Checked<T> {
  try {
    return { ok: true, value: parse() };
  } catch (err) {
    if (err instanceof UriProblem) return { ok: false, problem: err.text };
    throw err;
  }
}

function uriError(uri: string, problem: string): LogpulseError {
  return new LogpulseError('LP_ERR_SOURCE_URI', `${problem} (in "${redact(uri)}")`);
}

/**
 * The URI as quoted in errors, which end up on stderr and in logs: without `user:password@` and without the
 * query, where a mistyped secret option would otherwise be echoed. Problems name the option instead.
 */
function redact(uri: string): string {
  const q = uri.indexOf('?');
  const noQuery = q < 0 ? uri : `${uri.slice(0, q)}?…`;
  return noQuery.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/]*@/, '$1***@');
}

/** Parses a source URI; throws LP_ERR_SOURCE_URI naming the problem and quoting the URI (redacted). */
export function parseSourceUri(uri: string): SourceSpec {
  const r = checkSourceUri(uri);
  if (!r.ok) throw uriError(uri, r.problem);
  return r.value;
}

/** As parseSourceUri, for the config check: the problem comes back without the URI (config messages never quote values). */
export function checkSourceUri(uri: string): Checked<SourceSpec> {
  return checked(() => parseSpec(uri.trim()));
}

/**
 * `HOST[:PORT],HOST[:PORT]…` as in `kafka://BROKERS/TOPIC` and the config's `kafka.brokers`: each entry trimmed,
 * the port 9092 when left out; `host:port` strings come back, as librdkafka's `metadata.broker.list` takes them.
 */
export function checkBrokerList(list: string): Checked<string[]> {
  return checked(() => parseBrokers(list));
}

function parseSpec(uri: string): SourceSpec {
  if (uri === '') fail(`empty source URI — ${EXPECTED}`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1];
  if (scheme === undefined) fail(`missing scheme — ${EXPECTED}`);
  const rest = uri.slice(scheme.length + 1);
  switch (scheme.toLowerCase()) {
    case 'generator':
      return parseGenerator(uri, rest);
    case 'stdin': {
      const { body, params } = splitQuery(rest);
      rejectUnknown(params, []);
      if (body !== '') fail(`stdin: takes no path or options, got "${body}"`);
      return { kind: 'stdin', uri };
    }
    case 'file':
      return parseFile(uri, rest);
    case 'tcp':
    case 'tcp-listen': {
      const kind = scheme.toLowerCase() as 'tcp' | 'tcp-listen';
      const { host, port } = parseHostPort(rest, kind);
      return { kind, uri, host, port };
    }
    case 'kafka':
      return parseKafka(uri, rest);
    default:
      fail(`unknown scheme "${scheme}:" — ${EXPECTED}`);
  }
}

/** Splits `a?x=1&y=2` at the first `?` (so a file path cannot contain `?`) and rejects repeated keys. */
function splitQuery(rest: string): { body: string; params: Map<string, string> } {
  const q = rest.indexOf('?');
  if (q < 0) return { body: rest, params: new Map() };
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(rest.slice(q + 1))) {
    if (params.has(key)) fail(`option "${key}" given twice`);
    params.set(key, value);
  }
  return { body: rest.slice(0, q), params };
}

function rejectUnknown(params: Map<string, string>, known: readonly string[]): void {
  for (const key of params.keys()) {
    if (!known.includes(key)) {
      const expected = known.length === 0 ? 'it takes no options' : `expected ${known.join(', ')}`;
      fail(`unknown option "${key}" — ${expected}`);
    }
  }
}

function parseNumber(key: string, text: string, check: (n: number) => boolean, what: string): number {
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || !check(n)) fail(`option "${key}" must be ${what}, got "${text}"`);
  return n;
}

function parseGenerator(uri: string, rest: string): GeneratorSpec {
  const { body, params } = splitQuery(rest);
  if (body !== '') fail(`generator: takes no path, got "${body}" — options go after "?"`);
  rejectUnknown(params, ['rate', 'count', 'seed', 'format', 'errorRate']);
  const get = (key: string): string | undefined => params.get(key);
  const rate = get('rate');
  const count = get('count');
  const seed = get('seed');
  const format = get('format');
  const errorRate = get('errorRate');
  if (format !== undefined && !(GEN_FORMATS as readonly string[]).includes(format)) {
    fail(`option "format" must be one of ${GEN_FORMATS.join(', ')}, got "${format}"`);
  }
  return {
    kind: 'generator',
    uri,
    rate: rate === undefined ? GENERATOR_DEFAULT_RATE : parseNumber('rate', rate, (n) => n >= 0, 'a number of lines per second >= 0 (0 = as fast as possible)'),
    count: count === undefined ? null : parseNumber('count', count, (n) => Number.isSafeInteger(n) && n >= 0, 'an integer >= 0'),
    seed: seed === undefined ? null : parseNumber('seed', seed, (n) => Number.isSafeInteger(n) && n >= 0, 'an integer >= 0'),
    format: (format as GenFormat | undefined) ?? 'json',
    errorRate:
      errorRate === undefined ? null : parseNumber('errorRate', errorRate, (n) => n >= 0 && n <= 1, 'a fraction between 0 and 1'),
  };
}

function parseFile(uri: string, rest: string): FileSpec {
  const { body, params } = splitQuery(rest);
  rejectUnknown(params, ['follow']);
  let path = body === '//' ? '' : body;
  if (path.startsWith('//')) {
    // A real file URL (file:///var/log/x): percent-decoding and host rules are the WHATWG ones.
    try {
      path = fileURLToPath(`file:${body}`);
    } catch (err) {
      fail(`not a valid file URL: ${(err as Error).message}`);
    }
  }
  if (path === '') fail('file: needs a path, e.g. file:/var/log/access.log');
  const follow = params.get('follow');
  let followOn = false;
  if (follow !== undefined) {
    if (follow === 'true' || follow === '1' || follow === '') followOn = true;
    else if (follow === 'false' || follow === '0') followOn = false;
    else fail(`option "follow" must be true or false, got "${follow}"`);
  }
  return { kind: 'file', uri, path: resolve(path), follow: followOn };
}

/** `//HOST:PORT` with an optional trailing `/`; IPv6 hosts in brackets. */
function parseHostPort(rest: string, kind: 'tcp' | 'tcp-listen'): { host: string; port: number } {
  const shape = `${kind}://HOST:PORT`;
  if (!rest.startsWith('//')) fail(`expected ${shape}`);
  const { body, params } = splitQuery(rest.slice(2));
  rejectUnknown(params, []);
  if (body.includes('@')) fail(`${shape} takes no user or password`);
  const m = HOST_PORT.exec(body);
  if (m === null) fail(`expected ${shape}`);
  let host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  if (host === '' && kind === 'tcp-listen') host = TCP_LISTEN_DEFAULT_HOST;
  if (host === '') fail(`${shape} needs a host`);
  const portText = m[2];
  if (portText === undefined || portText === '') fail(`${shape} needs a port`);
  const min = kind === 'tcp-listen' ? 0 : 1;
  if (!/^\d+$/.test(portText) || Number(portText) < min || Number(portText) > 65535) {
    fail(`port must be an integer from ${min} to 65535, got "${portText}"`);
  }
  return { host, port: Number(portText) };
}

function parseKafka(uri: string, rest: string): KafkaSpec {
  const shape = 'kafka://BROKERS/TOPIC';
  if (!rest.startsWith('//')) fail(`expected ${shape}`);
  const { body, params } = splitQuery(rest.slice(2));
  rejectUnknown(params, ['group', 'startingOffsets', 'endingOffsets']);
  const slash = body.indexOf('/');
  if (slash < 0) fail(`${shape} needs a topic after the brokers`);
  const brokerList = body.slice(0, slash);
  const topic = body.slice(slash + 1);
  if (brokerList.includes('@')) fail('credentials do not belong in the URI: set KAFKA_USERNAME and KAFKA_PASSWORD');
  if (brokerList === '') fail(`${shape} needs at least one broker, HOST or HOST:PORT`);
  const brokers = parseBrokers(brokerList);
  // Kafka's own topic rule: 1–249 of [a-zA-Z0-9._-].
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) fail(`topic "${topic}" must be 1–249 characters of letters, digits, ".", "_" or "-"`);
  const group = params.get('group') ?? null;
  if (group === '') fail('option "group" must not be empty');
  const starting = params.get('startingOffsets') ?? null;
  if (starting !== null && starting !== 'earliest' && starting !== 'latest') fail('option "startingOffsets" must be earliest or latest');
  const ending = params.get('endingOffsets') ?? null;
  if (ending !== null && ending !== 'latest') fail('option "endingOffsets" must be latest');
  return { kind: 'kafka', uri, brokers, topic, group, startingOffsets: starting, endingOffsets: ending };
}

function parseBrokers(list: string): string[] {
  return list.split(',').map((entry) => {
    const b = entry.trim();
    const m = BROKER.exec(b);
    const port = m?.[2] === undefined ? KAFKA_DEFAULT_PORT : Number(m[2]);
    if (m === null || port < 1 || port > 65535) {
      fail(`broker "${b}" is not HOST or HOST:PORT (port 1–65535, ${KAFKA_DEFAULT_PORT} when left out)`);
    }
    return `${m[1]}:${port}`;
  });
}
