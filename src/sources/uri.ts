// Source URIs of SPEC §1, parsed up front into a discriminated union so a typo fails at config time with a
// message naming the problem, never later as a half-started pipeline.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { kafkaClientConfig, type KafkaSecurity, PLAINTEXT } from '../kafka/client-config.js';
import { FileSource } from './file.js';
import { GeneratorSource, type GeneratorFormat } from './generator.js';
import { KafkaSource } from './kafka.js';
import type { Source } from './source.js';
import { StdinSource } from './stdin.js';
import { TcpClientSource, type BackoffOptions } from './tcp-client.js';
import { TcpListenSource } from './tcp-listen.js';

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
  format: GeneratorFormat;
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

/** `tcp-listen://HOST:PORT` — accept many producers; port 0 picks a free port. */
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

/** Runtime knobs that are not part of the URI (tests shorten timers; the CLI never needs them). */
export interface CreateSourceOptions {
  /** Stream the stdin source reads instead of `process.stdin`. */
  stdin?: NodeJS.ReadableStream;
  /** How often `file:…?follow=true` looks for appended bytes and rotation. Default 250 ms. */
  pollIntervalMs?: number;
  /** Reconnect delays of `tcp://`. Default 100 ms doubling to 5 s. */
  backoff?: BackoffOptions;
  /** The `kafka` config section: defaults for what a kafka:// URI leaves out, and TLS/SASL (credentials from the environment). */
  kafka?: { group: string; startingOffsets: 'earliest' | 'latest'; security: KafkaSecurity };
}

const EXPECTED =
  'expected one of generator:, stdin:, file:PATH, tcp://HOST:PORT, tcp-listen://HOST:PORT, kafka://BROKERS/TOPIC';

const KAFKA_DEFAULT_PORT = 9092;
const GENERATOR_DEFAULT_RATE = 100;
const GENERATOR_FORMATS: readonly GeneratorFormat[] = ['json', 'csv', 'clf'];

function uriError(uri: string, problem: string): Error {
  return Object.assign(new Error(`LP_ERR_SOURCE_URI: ${problem} (in "${redact(uri)}")`), {
    code: 'LP_ERR_SOURCE_URI',
  });
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

export function parseSourceUri(uri: string): SourceSpec {
  const trimmed = uri.trim();
  if (trimmed === '') throw uriError(uri, `empty source URI — ${EXPECTED}`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(trimmed)?.[1];
  if (scheme === undefined) throw uriError(uri, `missing scheme — ${EXPECTED}`);
  const rest = trimmed.slice(scheme.length + 1);
  switch (scheme.toLowerCase()) {
    case 'generator':
      return parseGenerator(trimmed, rest);
    case 'stdin':
      if (rest !== '') throw uriError(uri, `stdin: takes no path or options, got "${rest}"`);
      return { kind: 'stdin', uri: trimmed };
    case 'file':
      return parseFile(trimmed, rest);
    case 'tcp':
    case 'tcp-listen': {
      const kind = scheme.toLowerCase() as 'tcp' | 'tcp-listen';
      const { host, port } = parseHostPort(trimmed, rest, kind);
      return { kind, uri: trimmed, host, port };
    }
    case 'kafka':
      return parseKafka(trimmed, rest);
    default:
      throw uriError(uri, `unknown scheme "${scheme}:" — ${EXPECTED}`);
  }
}

/** Splits `a?x=1&y=2` at the first `?` (so a file path cannot contain `?`) and rejects repeated keys. */
function splitQuery(uri: string, rest: string): { body: string; params: Map<string, string> } {
  const q = rest.indexOf('?');
  if (q < 0) return { body: rest, params: new Map() };
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(rest.slice(q + 1))) {
    if (params.has(key)) throw uriError(uri, `option "${key}" given twice`);
    params.set(key, value);
  }
  return { body: rest.slice(0, q), params };
}

function rejectUnknown(uri: string, params: Map<string, string>, known: readonly string[]): void {
  for (const key of params.keys()) {
    if (!known.includes(key)) {
      const expected = known.length === 0 ? 'it takes no options' : `expected ${known.join(', ')}`;
      throw uriError(uri, `unknown option "${key}" — ${expected}`);
    }
  }
}

function parseNumber(uri: string, key: string, text: string, check: (n: number) => boolean, what: string): number {
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || !check(n)) throw uriError(uri, `option "${key}" must be ${what}, got "${text}"`);
  return n;
}

function parseGenerator(uri: string, rest: string): GeneratorSpec {
  const { body, params } = splitQuery(uri, rest);
  if (body !== '') throw uriError(uri, `generator: takes no path, got "${body}" — options go after "?"`);
  rejectUnknown(uri, params, ['rate', 'count', 'seed', 'format', 'errorRate']);
  const get = (key: string): string | undefined => params.get(key);
  const rate = get('rate');
  const count = get('count');
  const seed = get('seed');
  const format = get('format');
  const errorRate = get('errorRate');
  if (format !== undefined && !GENERATOR_FORMATS.includes(format as GeneratorFormat)) {
    throw uriError(uri, `option "format" must be one of ${GENERATOR_FORMATS.join(', ')}, got "${format}"`);
  }
  return {
    kind: 'generator',
    uri,
    rate:
      rate === undefined
        ? GENERATOR_DEFAULT_RATE
        : parseNumber(uri, 'rate', rate, (n) => n >= 0, 'a number of lines per second >= 0 (0 = as fast as possible)'),
    count:
      count === undefined
        ? null
        : parseNumber(uri, 'count', count, (n) => Number.isSafeInteger(n) && n >= 0, 'an integer >= 0'),
    seed:
      seed === undefined
        ? null
        : parseNumber(uri, 'seed', seed, (n) => Number.isSafeInteger(n) && n >= 0, 'an integer >= 0'),
    format: (format as GeneratorFormat | undefined) ?? 'json',
    errorRate:
      errorRate === undefined
        ? null
        : parseNumber(uri, 'errorRate', errorRate, (n) => n >= 0 && n <= 1, 'a fraction between 0 and 1'),
  };
}

function parseFile(uri: string, rest: string): FileSpec {
  const { body, params } = splitQuery(uri, rest);
  rejectUnknown(uri, params, ['follow']);
  let path: string;
  if (body.startsWith('//')) {
    // A real file URL (file:///var/log/x): percent-decoding and host rules are the WHATWG ones.
    try {
      path = fileURLToPath(`file:${body}`);
    } catch (err) {
      throw uriError(uri, `not a valid file URL: ${(err as Error).message}`);
    }
  } else {
    path = body;
  }
  if (path === '') throw uriError(uri, 'file: needs a path, e.g. file:/var/log/access.log');
  const follow = params.get('follow');
  let followOn = false;
  if (follow !== undefined) {
    if (follow === 'true' || follow === '1' || follow === '') followOn = true;
    else if (follow === 'false' || follow === '0') followOn = false;
    else throw uriError(uri, `option "follow" must be true or false, got "${follow}"`);
  }
  return { kind: 'file', uri, path: resolve(path), follow: followOn };
}

/** `//HOST:PORT` with an optional trailing `/`; IPv6 hosts in brackets. */
function parseHostPort(uri: string, rest: string, kind: 'tcp' | 'tcp-listen'): { host: string; port: number } {
  const shape = `${kind}://HOST:PORT`;
  if (!rest.startsWith('//')) throw uriError(uri, `expected ${shape}`);
  const { body, params } = splitQuery(uri, rest.slice(2));
  rejectUnknown(uri, params, []);
  if (body.includes('@')) throw uriError(uri, `${shape} takes no user or password`);
  const m = /^(\[[^\]]*\]|[^:/[\]]*)(?::([^/]*))?\/?$/.exec(body);
  if (m === null) throw uriError(uri, `expected ${shape}`);
  const host = stripBrackets(m[1] ?? '');
  if (host === '') throw uriError(uri, `${shape} needs a host`);
  const portText = m[2];
  if (portText === undefined || portText === '') throw uriError(uri, `${shape} needs a port`);
  const min = kind === 'tcp-listen' ? 0 : 1;
  if (!/^\d+$/.test(portText) || Number(portText) < min || Number(portText) > 65535) {
    throw uriError(uri, `port must be an integer from ${min} to 65535, got "${portText}"`);
  }
  return { host, port: Number(portText) };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function parseKafka(uri: string, rest: string): KafkaSpec {
  const shape = 'kafka://BROKERS/TOPIC';
  if (!rest.startsWith('//')) throw uriError(uri, `expected ${shape}`);
  const { body, params } = splitQuery(uri, rest.slice(2));
  rejectUnknown(uri, params, ['group', 'startingOffsets', 'endingOffsets']);
  const slash = body.indexOf('/');
  if (slash < 0) throw uriError(uri, `${shape} needs a topic after the brokers`);
  const brokerList = body.slice(0, slash);
  const topic = body.slice(slash + 1);
  if (brokerList.includes('@')) {
    throw uriError(uri, 'credentials do not belong in the URI: set KAFKA_USERNAME and KAFKA_PASSWORD');
  }
  if (brokerList === '') throw uriError(uri, `${shape} needs at least one broker HOST:PORT`);
  const brokers = brokerList.split(',').map((b) => {
    const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(b);
    const port = m?.[2] === undefined ? KAFKA_DEFAULT_PORT : Number(m[2]);
    if (m === null || port < 1 || port > 65535) throw uriError(uri, `broker "${b}" is not HOST or HOST:PORT`);
    return `${m[1]}:${port}`;
  });
  // Kafka's own topic rule: 1–249 of [a-zA-Z0-9._-].
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) {
    throw uriError(uri, `topic "${topic}" must be 1–249 characters of letters, digits, ".", "_" or "-"`);
  }
  const group = params.get('group') ?? null;
  if (group === '') throw uriError(uri, 'option "group" must not be empty');
  const starting = params.get('startingOffsets') ?? null;
  if (starting !== null && starting !== 'earliest' && starting !== 'latest') {
    throw uriError(uri, 'option "startingOffsets" must be earliest or latest');
  }
  const ending = params.get('endingOffsets') ?? null;
  if (ending !== null && ending !== 'latest') throw uriError(uri, 'option "endingOffsets" must be latest');
  return { kind: 'kafka', uri, brokers, topic, group, startingOffsets: starting, endingOffsets: ending };
}

/** Builds the runtime for a parsed URI. Throws synchronously for sources this build cannot provide. */
export function createSource(spec: SourceSpec, options: CreateSourceOptions = {}): Source {
  switch (spec.kind) {
    case 'generator':
      return new GeneratorSource(spec);
    case 'stdin':
      return new StdinSource({ uri: spec.uri, input: options.stdin });
    case 'file':
      return new FileSource({ uri: spec.uri, path: spec.path, follow: spec.follow, pollIntervalMs: options.pollIntervalMs });
    case 'tcp':
      return new TcpClientSource({ uri: spec.uri, host: spec.host, port: spec.port, backoff: options.backoff });
    case 'tcp-listen':
      return new TcpListenSource({ uri: spec.uri, host: spec.host, port: spec.port });
    case 'kafka': {
      const k = options.kafka ?? { group: 'logpulse', startingOffsets: 'latest', security: PLAINTEXT };
      return new KafkaSource({
        uri: spec.uri,
        topic: spec.topic,
        group: spec.group ?? k.group,
        client: kafkaClientConfig(spec.brokers, k.security),
        startingOffsets: spec.startingOffsets ?? k.startingOffsets,
        endingOffsets: spec.endingOffsets ?? 'none',
      });
    }
  }
}
