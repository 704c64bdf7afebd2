import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { FileSource } from '../../src/sources/file.js';
import { GeneratorSource } from '../../src/sources/generator.js';
import { KafkaSource } from '../../src/sources/kafka.js';
import { StdinSource } from '../../src/sources/stdin.js';
import { TcpClientSource } from '../../src/sources/tcp-client.js';
import { TcpListenSource } from '../../src/sources/tcp-listen.js';
import { createSource } from '../../src/sources/create-source.js';
import { checkBrokerList, checkSourceUri, parseSourceUri } from '../../src/sources/uri.js';

const fails = (uri: string): string => {
  try {
    parseSourceUri(uri);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('LP_ERR_SOURCE_URI');
    return (err as Error).message;
  }
  throw new Error(`expected "${uri}" to be rejected`);
};

describe('parseSourceUri', () => {
  it('rejects an unknown scheme naming it and listing the accepted ones', () => {
    expect(fails('foo:bar')).toBe(
      'LP_ERR_SOURCE_URI: unknown scheme "foo:" — expected one of generator:, stdin:, file:PATH, tcp://HOST:PORT, ' +
        'tcp-listen://HOST:PORT, kafka://BROKERS/TOPIC (in "foo:bar")',
    );
    expect(fails('http://example.com/logs')).toMatch(/unknown scheme "http:"/);
  });

  it('rejects empty and scheme-less URIs', () => {
    expect(fails('')).toMatch(/empty source URI/);
    expect(fails('/var/log/access.log')).toMatch(/missing scheme — expected one of generator:/);
  });

  it('parses generator: with the documented defaults', () => {
    expect(parseSourceUri('generator:')).toEqual({
      kind: 'generator',
      uri: 'generator:',
      rate: 100,
      count: null,
      seed: null,
      format: 'json',
      errorRate: null,
    });
  });

  it('parses every generator option', () => {
    expect(parseSourceUri('generator:?rate=1000&count=5000&seed=1&format=csv&errorRate=0.25')).toMatchObject({
      kind: 'generator',
      rate: 1000,
      count: 5000,
      seed: 1,
      format: 'csv',
      errorRate: 0.25,
    });
    expect(parseSourceUri('generator:?rate=0&format=clf')).toMatchObject({ rate: 0, format: 'clf' });
  });

  it('rejects bad generator options, naming the option', () => {
    expect(fails('generator:?format=xml')).toMatch(/option "format" must be one of json, csv, clf, got "xml"/);
    expect(fails('generator:?rate=-1')).toMatch(/option "rate" must be .*>= 0.*got "-1"/);
    expect(fails('generator:?rate=fast')).toMatch(/option "rate"/);
    expect(fails('generator:?count=1.5')).toMatch(/option "count" must be an integer >= 0, got "1.5"/);
    expect(fails('generator:?errorRate=2')).toMatch(/option "errorRate" must be a fraction between 0 and 1/);
    expect(fails('generator:?speed=2')).toMatch(/unknown option "speed" — expected rate, count, seed, format, errorRate/);
    expect(fails('generator:?rate=1&rate=2')).toMatch(/option "rate" given twice/);
    expect(fails('generator:abc')).toMatch(/generator: takes no path/);
  });

  it('parses stdin: and rejects anything after it', () => {
    expect(parseSourceUri('stdin:')).toEqual({ kind: 'stdin', uri: 'stdin:' });
    expect(fails('stdin:foo')).toMatch(/stdin: takes no path or options/);
  });

  it('parses file:PATH, resolving relative paths, with follow', () => {
    expect(parseSourceUri('file:/var/log/access.log')).toEqual({
      kind: 'file',
      uri: 'file:/var/log/access.log',
      path: '/var/log/access.log',
      follow: false,
    });
    expect(parseSourceUri('file:logs/a.log?follow=true')).toMatchObject({ path: resolve('logs/a.log'), follow: true });
    expect(parseSourceUri('file:/x.log?follow=false')).toMatchObject({ follow: false });
    expect(parseSourceUri('file:///var/log/with%20space.log')).toMatchObject({ path: '/var/log/with space.log' });
  });

  it('rejects bad file URIs', () => {
    expect(fails('file:')).toMatch(/file: needs a path/);
    expect(fails('file:/x.log?follow=maybe')).toMatch(/option "follow" must be true or false, got "maybe"/);
    expect(fails('file:/x.log?tail=1')).toMatch(/unknown option "tail" — expected follow/);
    expect(fails('file://otherhost/x.log')).toMatch(/not a valid file URL/);
    expect(fails('file://')).toMatch(/file: needs a path/);
  });

  it('parses tcp:// and tcp-listen:// hosts and ports, IPv6 in brackets', () => {
    expect(parseSourceUri('tcp://127.0.0.1:9999')).toEqual({
      kind: 'tcp',
      uri: 'tcp://127.0.0.1:9999',
      host: '127.0.0.1',
      port: 9999,
    });
    expect(parseSourceUri('tcp://[::1]:9999/')).toMatchObject({ kind: 'tcp', host: '::1', port: 9999 });
    expect(parseSourceUri('tcp-listen://0.0.0.0:0')).toMatchObject({ kind: 'tcp-listen', host: '0.0.0.0', port: 0 });
    expect(parseSourceUri('tcp-listen://localhost:5140')).toMatchObject({ host: 'localhost', port: 5140 });
    // Without a host a listener is reachable from this machine only.
    expect(parseSourceUri('tcp-listen://:5140')).toMatchObject({ kind: 'tcp-listen', host: '127.0.0.1', port: 5140 });
    expect(fails('tcp://:5140')).toMatch(/needs a host/);
  });

  it('rejects bad tcp URIs, naming the problem', () => {
    expect(fails('tcp://localhost')).toMatch(/tcp:\/\/HOST:PORT needs a port/);
    expect(fails('tcp://:9999')).toMatch(/needs a host/);
    expect(fails('tcp://localhost:0')).toMatch(/port must be an integer from 1 to 65535, got "0"/);
    expect(fails('tcp-listen://localhost:70000')).toMatch(/port must be an integer from 0 to 65535, got "70000"/);
    expect(fails('tcp://localhost:http')).toMatch(/port must be an integer/);
    expect(fails('tcp:localhost:9999')).toMatch(/expected tcp:\/\/HOST:PORT/);
    expect(fails('tcp://user@localhost:9999')).toMatch(/takes no user or password/);
    expect(fails('tcp://localhost:9999/path')).toMatch(/expected tcp:\/\/HOST:PORT/);
    expect(fails('tcp://localhost:9999?x=1')).toMatch(/unknown option "x" — it takes no options/);
  });

  it('parses kafka://BROKERS/TOPIC?group=G&startingOffsets=…&endingOffsets=latest with the default port', () => {
    expect(parseSourceUri('kafka://k1:9093,k2/http-logs?group=analytics&startingOffsets=earliest&endingOffsets=latest')).toEqual({
      kind: 'kafka',
      uri: 'kafka://k1:9093,k2/http-logs?group=analytics&startingOffsets=earliest&endingOffsets=latest',
      brokers: ['k1:9093', 'k2:9092'],
      topic: 'http-logs',
      group: 'analytics',
      startingOffsets: 'earliest',
      endingOffsets: 'latest',
    });
    // Left out: the `kafka` config section decides (group logpulse, startingOffsets latest, unbounded).
    expect(parseSourceUri('kafka://127.0.0.1:9092/http-logs')).toMatchObject({ group: null, startingOffsets: null, endingOffsets: null });
  });

  it('rejects bad kafka URIs', () => {
    expect(fails('kafka://k1:9092')).toMatch(/needs a topic/);
    expect(fails('kafka:///topic')).toMatch(/needs at least one broker/);
    expect(fails('kafka://k1:9092/bad topic')).toMatch(/topic "bad topic" must be/);
    expect(fails('kafka://u:hunter2@k1:9092/t')).toMatch(/credentials do not belong in the URI/);
    expect(fails('kafka://k1:x/t')).toMatch(/broker "k1:x" is not HOST or HOST:PORT/);
    expect(fails('kafka://k1/t?group=')).toMatch(/option "group" must not be empty/);
    expect(fails('kafka://k1/t?offset=0')).toMatch(/unknown option "offset" — expected group, startingOffsets, endingOffsets/);
    expect(fails('kafka://k1/t?startingOffsets=first')).toMatch(/"startingOffsets" must be earliest or latest/);
    expect(fails('kafka://k1/t?endingOffsets=earliest')).toMatch(/"endingOffsets" must be latest/);
  });

  it('never echoes a password or query values in its errors', () => {
    const message = fails('kafka://alice:hunter2@k1:9092/t');
    expect(message).not.toMatch(/hunter2|alice/);
    expect(message).toMatch(/\(in "kafka:\/\/\*\*\*@k1:9092\/t"\)$/);
    const query = fails('kafka://k1/t?password=hunter2');
    expect(query).toMatch(/unknown option "password"/);
    expect(query).not.toMatch(/hunter2/);
    expect(fails('tcp://bob:hunter2@h:1')).not.toMatch(/hunter2/);
    const stdin = fails('stdin:?password=hunter2');
    expect(stdin).toMatch(/unknown option "password" — it takes no options/);
    expect(stdin).not.toMatch(/hunter2/);
  });

  it('rejects hosts that are not a name, an IPv4 address or an IPv6 address in brackets', () => {
    expect(fails('tcp://my host:9999')).toMatch(/expected tcp:\/\/HOST:PORT/);
    expect(fails('tcp://[]:9999')).toMatch(/expected tcp:\/\/HOST:PORT/);
    expect(fails('kafka://k 1/t')).toMatch(/broker "k 1" is not HOST or HOST:PORT/);
  });
});

describe('checkSourceUri / checkBrokerList (the config check)', () => {
  it('give the problem without the code or the URI, or the parsed value', () => {
    expect(checkSourceUri('kafka://k1/http-logs')).toEqual({ ok: true, value: parseSourceUri('kafka://k1/http-logs') });
    expect(checkSourceUri('tcp://secret-host')).toEqual({ ok: false, problem: 'tcp://HOST:PORT needs a port' });
  });

  it('read a broker list as a kafka:// URI does: entries trimmed, port 9092 when left out', () => {
    expect(checkBrokerList('k1, [::1]:9093 ,10.0.0.1')).toEqual({ ok: true, value: ['k1:9092', '[::1]:9093', '10.0.0.1:9092'] });
    expect(checkBrokerList('k1,')).toEqual({ ok: false, problem: expect.stringMatching(/^broker "" is not HOST or HOST:PORT/) });
    expect(checkBrokerList('k1:0')).toEqual({ ok: false, problem: expect.stringMatching(/^broker "k1:0" is not HOST or HOST:PORT/) });
  });
});

describe('createSource', () => {
  it('builds each source with the right finiteness', () => {
    const make = (uri: string) => createSource(parseSourceUri(uri));
    expect(make('generator:')).toBeInstanceOf(GeneratorSource);
    expect(make('generator:').finite).toBe(false);
    expect(make('generator:?count=10').finite).toBe(true);
    expect(make('stdin:')).toBeInstanceOf(StdinSource);
    expect(make('stdin:').finite).toBe(true);
    expect(make('file:/x.log')).toBeInstanceOf(FileSource);
    expect(make('file:/x.log').finite).toBe(true);
    expect(make('file:/x.log?follow=true').finite).toBe(false);
    expect(make('tcp://127.0.0.1:1')).toBeInstanceOf(TcpClientSource);
    expect(make('tcp://127.0.0.1:1').finite).toBe(false);
    expect(make('tcp-listen://127.0.0.1:0')).toBeInstanceOf(TcpListenSource);
    expect(make('tcp-listen://127.0.0.1:0').finite).toBe(false);
    expect(make('file:/x.log').uri).toBe('file:/x.log');
  });

  it('builds a kafka source: unbounded, or finite with endingOffsets=latest; SASL without credentials is refused', () => {
    expect(createSource(parseSourceUri('kafka://k1/http-logs'))).toBeInstanceOf(KafkaSource);
    expect(createSource(parseSourceUri('kafka://k1/http-logs')).finite).toBe(false);
    expect(createSource(parseSourceUri('kafka://k1/http-logs?endingOffsets=latest')).finite).toBe(true);
    const sasl = { group: 'g', startingOffsets: 'latest' as const, security: { protocol: 'SASL_SSL' as const, mechanism: 'PLAIN' as const, caFile: null } };
    const saved = { u: process.env.KAFKA_USERNAME, p: process.env.KAFKA_PASSWORD };
    delete process.env.KAFKA_USERNAME;
    process.env.KAFKA_PASSWORD = 'hunter2';
    try {
      expect(() => createSource(parseSourceUri('kafka://k1/http-logs'), { kafka: sasl })).toThrow(/SASL_SSL needs KAFKA_USERNAME in the environment/);
    } finally {
      if (saved.u !== undefined) process.env.KAFKA_USERNAME = saved.u;
      if (saved.p === undefined) delete process.env.KAFKA_PASSWORD;
      else process.env.KAFKA_PASSWORD = saved.p;
    }
  });
});
