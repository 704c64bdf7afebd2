import { availableParallelism } from 'node:os';

import { describe, expect, it } from 'vitest';
import { formatProblem, type ConfigProblem } from '../../src/config/problems.js';
import { configFrom, loadConfig, parseConfigText, redactConfig, type Config, type ConfigResult } from '../../src/config/load.js';
import { configFile, tempPath } from './helpers.js';

const noEnv = {};

function ok(result: ConfigResult): Config {
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.config;
}

function problems(result: ConfigResult): ConfigProblem[] {
  if (result.ok) throw new Error('expected problems, the config was accepted');
  return result.problems;
}

/** path → message, for assertions that do not care about order. */
function byPath(result: ConfigResult): Record<string, string> {
  return Object.fromEntries(problems(result).map((p) => [p.path, p.message]));
}

describe('no config file', () => {
  it('gives the embedded default: generator source, outputs under ./output, every key set', () => {
    const config = ok(loadConfig(undefined, {}, noEnv));
    const week = { maxAgeMs: 7 * 86_400_000, maxSize: 0 };
    expect(config).toEqual({
      source: 'generator:',
      format: 'auto',
      csv: { delimiter: ';' },
      json: { preset: null, fields: {}, timestampUnit: 'ms' },
      pipeline: {
        errorStatusMin: 400,
        windowMs: 30_000,
        watermarkMs: 10_000,
        idleTimeoutMs: 30_000,
        maxFutureSkewMs: 300_000,
        maxUrlsPerWindow: 100,
        workers: 2,
        parseThreads: availableParallelism(),
        chunkBytes: 1_048_576,
        maxInFlightChunks: 4,
        readBuffers: 8,
        workerCollectBytes: 4_194_304,
      },
      output: {
        dir: 'output',
        rotateEveryMs: 10_000,
        resultsEveryMs: 60_000,
        fileMode: 0o640,
        dirMode: 0o750,
        retention: { errors: week, metrics: week, rejected: week, alerts: week, partials: week },
      },
      console: { enabled: true, everyMs: 10_000 },
      alerts: {
        early: true,
        kafkaTopic: 'alerts',
        webhook: null,
        webhookFormat: 'json',
        webhookSecretEnv: null,
        rules: [{ type: 'errors_per_status', threshold: 100 }],
        thresholdsPercentile: 99,
        thresholdsFrom: 'config',
        thresholdsMinWindows: 100,
      },
      kafka: {
        brokers: null,
        group: 'logpulse',
        startingOffsets: 'latest',
        security: { protocol: 'PLAINTEXT', mechanism: 'PLAIN', caFile: null },
      },
      cluster: { enabled: true, topic: '', partitions: 6, retentionMs: 3_600_000 },
      archive: { enabled: false, dir: 'data/logs', retention: { maxAgeMs: 30 * 86_400_000, maxSize: 0 } },
      batch: { dir: 'data/batch', engine: 'duckdb', sparkMaster: 'local[2]', sparkSubmit: 'spark-submit' },
      checkpoint: { dir: 'checkpoint' },
      api: { enabled: true, host: '127.0.0.1', port: 8080, token: null, corsOrigins: [] },
      limits: { maxLineBytes: 65_536, maxConnections: 256, idleTimeoutMs: 300_000, maxBufferedBytes: 67_108_864, maxMemory: 0, rejectedPerSecond: 10_000 },
      shutdownTimeoutMs: 10_000,
      log: { level: 'info', format: 'auto' },
    } satisfies Config);
  });

  it('an empty file is the default too', () => {
    expect(ok(loadConfig(configFile('empty.yaml', ''), {}, noEnv))).toEqual(ok(loadConfig(undefined, {}, noEnv)));
  });
});

describe('config files', () => {
  it('reads the SPEC §7 example (YAML, flow mappings) and fills every other key with its default', () => {
    const path = configFile(
      'spec.yaml',
      `source: kafka://127.0.0.1:9092/http-logs?group=logpulse
format: auto
pipeline: { errorStatusMin: 400, window: 30s, watermark: 10s, idleTimeout: 30s, maxFutureSkew: 5m, maxUrlsPerWindow: 100, workers: 2 }
output: { dir: output, rotateEvery: 10s }
console: { every: 10s }
alerts: { early: true, rules: [ { type: errors_per_status, threshold: 100 } ], kafkaTopic: alerts }
kafka: { security: { protocol: SASL_SSL, mechanism: PLAIN, caFile: certs/ca.pem } }
archive: { enabled: true, dir: data/logs }
checkpoint: { dir: checkpoint }
api: { host: 127.0.0.1, port: 8080 }
limits: { maxLineBytes: 65536 }
`,
    );
    const result = loadConfig(path, {}, noEnv);
    const config = ok(result);
    expect(result.ok && result.file).toBe(path);
    expect(config.source).toBe('kafka://127.0.0.1:9092/http-logs?group=logpulse');
    expect(config.kafka.security).toEqual({ protocol: 'SASL_SSL', mechanism: 'PLAIN', caFile: 'certs/ca.pem' });
    expect(config.archive.enabled).toBe(true);
    expect(config.output.resultsEveryMs).toBe(60_000);
    expect(config.pipeline.chunkBytes).toBe(1_048_576);
  });

  it('reads JSON, with durations as strings or milliseconds', () => {
    const path = configFile(
      'c.json',
      JSON.stringify({
        source: 'file:/var/log/access.log?follow=true',
        format: 'csv',
        csv: { delimiter: ',' },
        pipeline: { window: '1m', watermark: 2500, idleTimeout: '1.5s', workers: 8 },
        alerts: {
          webhook: 'https://hooks.example.com/logpulse',
          rules: [
            { type: 'errors_per_status', threshold: 50 },
            { type: 'global_error_rate', threshold: 0.025 },
            { type: 'url_error_rate', threshold: 0.5, minRequests: 20 },
            { type: 'ip_error_rate', threshold: 0.9 },
          ],
        },
        kafka: { brokers: 'k1:9092, k2:9092' },
        shutdownTimeout: '500ms',
        log: { level: 'debug' },
      }),
    );
    const config = ok(loadConfig(path, {}, noEnv));
    expect(config.format).toBe('csv');
    expect(config.csv.delimiter).toBe(',');
    expect(config.pipeline).toMatchObject({ windowMs: 60_000, watermarkMs: 2_500, idleTimeoutMs: 1_500, workers: 8 });
    expect(config.shutdownTimeoutMs).toBe(500);
    expect(config.alerts.webhook).toBe('https://hooks.example.com/logpulse');
    expect(config.alerts.rules).toEqual([
      { type: 'errors_per_status', threshold: 50 },
      { type: 'global_error_rate', threshold: 0.025, minRequests: 1 },
      { type: 'url_error_rate', threshold: 0.5, minRequests: 20 },
      { type: 'ip_error_rate', threshold: 0.9, minRequests: 3 },
    ]);
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.log.level).toBe('debug');
  });

  it('an errors_per_status rule without threshold takes 100; an empty rule list disables alerts', () => {
    expect(ok(configFrom({ alerts: { rules: [{ type: 'errors_per_status' }] } }, { env: noEnv })).alerts.rules).toEqual([
      { type: 'errors_per_status', threshold: 100 },
    ]);
    expect(ok(configFrom({ alerts: { rules: [] } }, { env: noEnv })).alerts.rules).toEqual([]);
  });

  it('a missing file is a file problem naming the path', () => {
    const path = tempPath('does-not-exist.yaml');
    const result = loadConfig(path, {}, noEnv);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe('LP_ERR_CONFIG_FILE');
    expect(problems(result)).toEqual([{ path, message: 'cannot read the config file: no such file' }]);
  });

  it('a YAML syntax error gives its line and column, without quoting the file', () => {
    const path = configFile('broken.yaml', 'pipeline:\n  window: 30s\n workers: 2\nkafka: { security: { password: "s3cr3t-value" }\n');
    const result = loadConfig(path, {}, noEnv);
    expect(!result.ok && result.code).toBe('LP_ERR_CONFIG_FILE');
    const [first] = problems(result);
    expect(first).toMatchObject({ path, line: 3, column: 1 });
    expect(first?.message).toMatch(/^invalid YAML\/JSON: /);
    expect(JSON.stringify(problems(result))).not.toContain('s3cr3t');
  });

  it('duplicate keys are an error, not a silent last-one-wins', () => {
    const result = parseConfigText('api:\n  port: 1\n  port: 2\n', 'dup.yaml', { env: noEnv });
    expect(problems(result)[0]).toMatchObject({ path: 'dup.yaml', line: 3 });
    expect(problems(result)[0]?.message).toMatch(/unique/);
  });

  it('an unquoted URI ending in ":" gets a hint to quote it', () => {
    const [first] = problems(parseConfigText('source: stdin:\n', 'c.yaml', { env: noEnv }));
    expect(first?.message).toMatch(/must be quoted, e\.g\. source: "stdin:"/);
    expect(ok(parseConfigText('source: "generator:"\n', 'c.yaml', { env: noEnv })).source).toBe('generator:');
  });

  it('a key left empty is reported once, with how to get its default', () => {
    expect(problems(parseConfigText('format:\npipeline:\n  window:\n', 'c.yaml', { env: noEnv }))).toEqual([
      { path: 'format', message: 'has no value: give one, or remove the key to get its default', line: 1 },
      { path: 'pipeline.window', message: 'has no value: give one, or remove the key to get its default', line: 3 },
    ]);
  });

  it('a document that is not a mapping is reported at (root)', () => {
    expect(problems(parseConfigText('- a\n- b\n', 'list.yaml', { env: noEnv }))).toEqual([
      { path: '(root)', message: 'must be a mapping of keys (an object)' },
    ]);
  });
});

describe('every problem at once, each with its key path', () => {
  const text = `source: kafka://127.0.0.1:9092/http-logs
format: xml
pipeline:
  window: 10 seconds
  wndow: 30s
  workers: 100
  maxUrlsPerWindow: "100"
  errorStatusMin: 700
output:
  rotateEvery: 1h
  compress: true
api:
  port: 70000
  enabled: "yes"
alerts:
  webhook: ftp://example.com/hook
  rules:
    - type: errors_per_status
      threshold: 2.5
    - type: url_error_rate
      threshold: 2.5
    - type: ip_error_rate
    - type: latency
      threshold: 3
    - type: errors_per_status
      minRequests: 5
`;

  it('reports all of them, in file order, with the line of each key', () => {
    const result = loadConfig(configFile('many.yaml', text), {}, noEnv);
    expect(!result.ok && result.code).toBe('LP_ERR_CONFIG');
    expect(problems(result)).toEqual([
      { path: 'format', message: 'must be one of: json, csv, clf, auto', line: 2 },
      { path: 'pipeline.window', message: expect.stringContaining('must be a duration: a number followed by ms, s, m or h'), line: 4 },
      { path: 'pipeline.wndow', message: 'unknown key (did you mean "window"?)', line: 5 },
      { path: 'pipeline.workers', message: 'must be between 1 and 64', line: 6 },
      { path: 'pipeline.maxUrlsPerWindow', message: 'must be a whole number', line: 7 },
      { path: 'pipeline.errorStatusMin', message: 'must be between 100 and 599', line: 8 },
      { path: 'output.compress', message: 'unknown key', line: 11 },
      { path: 'api.port', message: 'must be between 0 and 65535', line: 13 },
      { path: 'api.enabled', message: 'must be true or false', line: 14 },
      { path: 'alerts.webhook', message: 'must be an http:// or https:// URL', line: 16 },
      { path: 'alerts.rules[0].threshold', message: 'must be a whole number >= 0 for errors_per_status (an error count)', line: 19 },
      { path: 'alerts.rules[1].threshold', message: 'must be a fraction between 0 and 1 for url_error_rate (e.g. 0.025 for 2.5 %)', line: 21 },
      { path: 'alerts.rules[2].threshold', message: 'is required for ip_error_rate (a fraction between 0 and 1, e.g. 0.025 for 2.5 %)', line: 22 },
      { path: 'alerts.rules[3].type', message: 'must be one of: errors_per_status, global_error_rate, url_error_rate, ip_error_rate', line: 23 },
      { path: 'alerts.rules[4].minRequests', message: 'applies only to the rate rules (global_error_rate, url_error_rate, ip_error_rate)', line: 26 },
    ]);
  });

  it('the bad duration message states the accepted forms', () => {
    const message = byPath(configFrom({ pipeline: { window: '10 seconds' } }, { env: noEnv }))['pipeline.window'];
    expect(message).toBe('must be a duration: a number followed by ms, s, m or h (e.g. "500ms", "10s", "1.5m", "1h"), or a whole number of milliseconds');
  });

  it('checks across keys: a watermark of more than 1000 windows, tiny rotation', () => {
    const found = byPath(configFrom({ pipeline: { window: '1s', watermark: '1h' }, output: { rotateEvery: '10ms' } }, { env: noEnv }));
    expect(found['pipeline.watermark']).toMatch(/at most 1000 windows/);
    expect(found['output.rotateEvery']).toBe('must be at least 100ms (each rotation completes a file)');
  });

  it('limits: buffered input holds at least a chunk; an idle timeout is 0 (never) or at least 100ms', () => {
    const found = byPath(configFrom({ pipeline: { chunkBytes: 4_194_304 }, limits: { maxBufferedBytes: 2_097_152, idleTimeout: '50ms' } }, { env: noEnv }));
    expect(found['limits.maxBufferedBytes']).toMatch(/at least pipeline.chunkBytes/);
    expect(found['limits.idleTimeout']).toBe('must be 0 (never) or at least 100ms');
    expect(configFrom({ limits: { idleTimeout: 0, maxBufferedBytes: 1_048_576, rejectedPerSecond: 0 } }, { env: noEnv })).toMatchObject({
      ok: true,
      config: { limits: { idleTimeoutMs: 0, maxBufferedBytes: 1_048_576, rejectedPerSecond: 0, maxConnections: 256 } },
    });
    expect(byPath(configFrom({ limits: { maxConnections: 0 } }, { env: noEnv }))['limits.maxConnections']).toBe('must be between 1 and 100000');
  });

  it('limits.maxMemory: 0 (derived from the cgroup) or at least 32 MiB, in bytes', () => {
    expect(byPath(configFrom({ limits: { maxMemory: 1_000_000 } }, { env: noEnv }))['limits.maxMemory']).toBe("must be 0 (derived from the cgroup's limit) or at least 33554432 bytes (32 MiB)");
    expect(byPath(configFrom({ limits: { maxMemory: -1 } }, { env: noEnv }))['limits.maxMemory']).toMatch(/between 0 and/);
    expect(byPath(configFrom({ limits: { maxMemory: '400MiB' } }, { env: noEnv }))['limits.maxMemory']).toBeDefined();
    expect(configFrom({ limits: { maxMemory: 33_554_432 } }, { env: noEnv })).toMatchObject({ ok: true, config: { limits: { maxMemory: 33_554_432 } } });
  });

  it('durations are bounded by what a Node timer can wait, and must be whole milliseconds', () => {
    const found = byPath(configFrom({ shutdownTimeout: '600h', console: { every: 1.5 }, pipeline: { window: '0.5ms' } }, { env: noEnv }));
    expect(found.shutdownTimeout).toMatch(/at most 2147483647ms/);
    expect(found['console.every']).toMatch(/must be a duration/);
    expect(found['pipeline.window']).toBe('must be a whole number of milliseconds');
  });

  // The messages are the source-URI grammar's (test/sources/uri.test.ts has them all), without the URI itself.
  it('a source URI must have a known scheme and its parts', () => {
    const message = (source: string): string | undefined => byPath(configFrom({ source }, { env: noEnv })).source;
    const okConfig = (source: string): Config => ok(configFrom({ source }, { env: noEnv }));
    expect(message('http://example.com')).toMatch(/^unknown scheme "http:" — expected one of generator:, stdin:, file:PATH/);
    expect(message('tcp://localhost')).toMatch(/tcp:\/\/HOST:PORT needs a port/);
    expect(message('kafka://broker:9092')).toMatch(/kafka:\/\/BROKERS\/TOPIC needs a topic/);
    expect(message('file:')).toBe('file: needs a path, e.g. file:/var/log/access.log');
    expect(message('generator:?rate=fast')).toMatch(/^option "rate" must be a number/);
    for (const source of [
      'generator:',
      'stdin:',
      'file:logs/access.log',
      'file:///var/log/a.log?follow=true',
      'tcp://127.0.0.1:9999',
      'tcp-listen://0.0.0.0:0',
      'tcp://[::1]:9999',
      'kafka://k1:9092,k2:9092/http-logs?group=g',
      // A broker without a port is on 9092, as in `run --source` (the config check used to require the port).
      'kafka://k1/http-logs',
    ]) {
      expect(okConfig(source).source).toBe(source);
    }
  });

  it('csv.delimiter is one ASCII character; caFile needs TLS; brokers are host or host:port', () => {
    const found = byPath(
      configFrom(
        { csv: { delimiter: '\t\t' }, kafka: { brokers: 'k1,k2:x', security: { protocol: 'PLAINTEXT', caFile: 'ca.pem' } } },
        { env: noEnv },
      ),
    );
    expect(found).toEqual({
      'csv.delimiter': 'must be exactly one ASCII character, not a newline',
      'kafka.brokers': 'broker "k2:x" is not HOST or HOST:PORT (port 1–65535, 9092 when left out)',
      'kafka.security.caFile': 'is used only with kafka.security.protocol SSL or SASL_SSL',
    });
  });

  it('kafka.brokers may leave the port out: 9092, as in a kafka:// source', () => {
    const config = ok(configFrom({ kafka: { brokers: 'k1, [::1], k2:9093' } }, { env: noEnv }));
    expect(config.kafka.brokers).toEqual(['k1:9092', '[::1]:9092', 'k2:9093']);
  });

  it('wrong types in sections and lists', () => {
    expect(byPath(configFrom({ pipeline: 'fast', alerts: { rules: { type: 'errors_per_status' } } }, { env: noEnv }))).toEqual({
      pipeline: 'must be a mapping of keys (an object)',
      'alerts.rules': 'must be a list',
    });
  });

  it('values written in the file are never quoted in messages', () => {
    const result = configFrom(
      { format: 'SECRET-1', source: 'SECRET-2', pipeline: { window: 'SECRET-3' }, alerts: { webhook: 'SECRET-4' } },
      { env: noEnv },
    );
    expect(problems(result)).toHaveLength(4);
    expect(JSON.stringify(problems(result))).not.toContain('SECRET');
  });
});

describe('Kafka credentials', () => {
  it('a password or username in the file is rejected, pointing to the environment variables, without the value', () => {
    const path = configFile(
      'creds.yaml',
      'kafka:\n  security:\n    protocol: SASL_SSL\n    username: alice-the-user\n    password: hunter2-do-not-print\n',
    );
    const result = loadConfig(path, {}, noEnv);
    const expected = 'credentials are never read from the config file: set the KAFKA_USERNAME and KAFKA_PASSWORD environment variables';
    expect(problems(result)).toEqual([
      { path: 'kafka.security.username', message: expected, line: 4 },
      { path: 'kafka.security.password', message: expected, line: 5 },
    ]);
    const printed = problems(result).map(formatProblem).join('\n');
    expect(printed).not.toContain('hunter2');
    expect(printed).not.toContain('alice');
  });

  it('the same for a password put directly under kafka, even as an unset ${VAR}', () => {
    const result = configFrom({ kafka: { password: '${KAFKA_PW_NOT_SET}' } }, { env: noEnv });
    expect(problems(result)).toEqual([
      {
        path: 'kafka.password',
        message: 'credentials are never read from the config file: set the KAFKA_USERNAME and KAFKA_PASSWORD environment variables',
      },
    ]);
  });

  it('the resolved config has no credential keys at all', () => {
    const config = ok(configFrom({ kafka: { security: { protocol: 'SASL_SSL' } } }, { env: { KAFKA_PASSWORD: 'pw' } }));
    expect(JSON.stringify(config)).not.toContain('pw');
  });
});

describe('${ENV} interpolation', () => {
  const env = { LP_TEST_DIR: '/srv/out', LP_TEST_PORT: '9090', LP_TEST_WINDOW: '1m', LP_TEST_EMPTY: '', LP_TEST_SECRET: 'tok-123' };

  it('in a flow mapping: quoted, it works and takes the key type; unquoted, the YAML error says to quote it', () => {
    const three = parseConfigText('pipeline: { workers: "${W}" }\n', 'flow.yaml', { env: { W: '3' } });
    expect(three.ok && three.config.pipeline.workers).toBe(3);
    const bare = parseConfigText('pipeline: { workers: ${W} }\n', 'flow.yaml', { env: { W: '3' } });
    expect(bare.ok).toBe(false);
    expect(!bare.ok && bare.problems[0]?.message).toMatch(/invalid YAML\/JSON: .*\(a `\$\{VAR\}` inside `\{ … \}` or `\[ … \]` must be quoted: "\$\{VAR\}"\)$/);
  });

  it('replaces ${VAR} and ${VAR:-default} in string values, anywhere in the string', () => {
    const path = configFile(
      'env.yaml',
      [
        'output:',
        '  dir: ${LP_TEST_DIR}/logpulse',
        'checkpoint:',
        '  dir: ${LP_TEST_UNSET:-/var/lib/logpulse}',
        'archive:',
        '  dir: ${LP_TEST_EMPTY:-archive}',
        'pipeline:',
        '  window: ${LP_TEST_WINDOW}',
        'alerts:',
        '  kafkaTopic: "$${literal}"',
        '',
      ].join('\n'),
    );
    const config = ok(loadConfig(path, {}, env));
    expect(config.output.dir).toBe('/srv/out/logpulse');
    expect(config.checkpoint.dir).toBe('/var/lib/logpulse');
    expect(config.archive.dir).toBe('archive'); // empty counts as unset for :-, as in sh
    expect(config.pipeline.windowMs).toBe(60_000);
    expect(config.alerts.kafkaTopic).toBe('${literal}');
  });

  it('a value that is one whole placeholder takes the type of its key (env vars are text)', () => {
    const config = ok(
      configFrom(
        { api: { port: '${LP_TEST_PORT}', enabled: '${LP_TEST_BOOL:-false}' }, pipeline: { watermark: '${LP_TEST_MS:-2500}' } },
        { env },
      ),
    );
    expect(config.api).toMatchObject({ port: 9090, enabled: false });
    expect(config.pipeline.watermarkMs).toBe(2_500);
  });

  it('a fraction, a negative or an exponent becomes a number for a fractional key, in a list item too', () => {
    const rates = (threshold: string, percentile: string) =>
      configFrom({ alerts: { rules: [{ type: 'global_error_rate', threshold: '${T}' }], thresholdsPercentile: '${P}' } }, { env: { T: threshold, P: percentile } });
    const config = ok(rates('2.5e-2', '99.5'));
    expect(config.alerts.rules[0]).toMatchObject({ type: 'global_error_rate', threshold: 0.025 });
    expect(config.alerts.thresholdsPercentile).toBe(99.5);
    expect(ok(rates('0.05', '1E+1')).alerts).toMatchObject({ rules: [{ threshold: 0.05 }], thresholdsPercentile: 10 });
    // Negative numbers are numbers (the range check then speaks), not text.
    expect(byPath(rates('0.5', '-5'))).toEqual({ 'alerts.thresholdsPercentile': 'must be > 0' });
  });

  it('text that is not a whole literal of the key type stays text, and the type error names the key', () => {
    const number = (v: string) => byPath(configFrom({ alerts: { thresholdsPercentile: '${P}' } }, { env: { P: v } }));
    for (const v of ['.5', '5.', '1e', '1e+', '0x10', '5 ', ' 5', '5%', 'e5', '--5', '5-', '1.2.3']) {
      expect(number(v), v).toEqual({ 'alerts.thresholdsPercentile': 'must be a number' });
    }
    const integer = (v: string) => byPath(configFrom({ pipeline: { workers: '${W}' } }, { env: { W: v } }));
    for (const v of ['2.0', '2e0', '2 ', 'x2', '2x']) expect(integer(v), v).toEqual({ 'pipeline.workers': 'must be a whole number' });
    const boolean = (v: string) => byPath(configFrom({ api: { enabled: '${B}' } }, { env: { B: v } }));
    for (const v of ['TRUE', 'False', 'yes', '1', 'true ']) expect(boolean(v), v).toEqual({ 'api.enabled': 'must be true or false' });
    expect(ok(configFrom({ api: { enabled: '${B}' } }, { env: { B: 'true' } })).api.enabled).toBe(true);
  });

  it('but a quoted number written in the file is still a type error (no general coercion)', () => {
    expect(byPath(configFrom({ api: { port: '9090' } }, { env }))).toEqual({ 'api.port': 'must be a whole number' });
  });

  it('an unset variable without default names the key path and the variable, and is the only problem for that key', () => {
    const result = loadConfig(configFile('missing.yaml', 'api:\n  port: ${LP_TEST_NOT_SET}\n  host: ${LP_TEST_SECRET}-x\n'), {}, env);
    expect(problems(result)).toEqual([
      {
        path: 'api.port',
        message: 'environment variable LP_TEST_NOT_SET is not set (give a default with ${LP_TEST_NOT_SET:-value})',
        line: 2,
      },
    ]);
  });

  it('never puts the value of a variable in a message', () => {
    const result = configFrom(
      { api: { port: '${LP_TEST_SECRET}' }, source: '${LP_TEST_SECRET}', pipeline: { window: '${LP_TEST_SECRET}' } },
      { env },
    );
    expect(problems(result).map((p) => p.path).sort()).toEqual(['api.port', 'pipeline.window', 'source']);
    expect(JSON.stringify(problems(result))).not.toContain('tok-123');
  });

  it('a malformed placeholder is reported', () => {
    expect(byPath(configFrom({ output: { dir: '${1BAD}' }, checkpoint: { dir: 'x${OPEN' } }, { env }))).toEqual({
      'output.dir': 'has an invalid placeholder: use ${NAME} or ${NAME:-default}, NAME made of letters, digits and _',
      'checkpoint.dir': 'has an unterminated placeholder: use ${NAME} or ${NAME:-default}',
    });
  });
});

describe('API token', () => {
  it('LOGPULSE_API_TOKEN wins over api.token; redactConfig hides it', () => {
    expect(ok(configFrom({ api: { token: 'from-file' } }, { env: {} })).api.token).toBe('from-file');
    const config = ok(configFrom({ api: { token: 'from-file' } }, { env: { LOGPULSE_API_TOKEN: 'from-env' } }));
    expect(config.api.token).toBe('from-env');
    expect(redactConfig(config).api.token).toBe('<redacted>');
    const hooked = ok(configFrom({ alerts: { webhook: 'https://hooks.example.com/services/T0/B0/secret-part?k=v' } }, { env: {} }));
    expect(redactConfig(hooked).alerts.webhook).toBe('https://hooks.example.com/<redacted>');
    expect(JSON.stringify(redactConfig(hooked))).not.toContain('secret-part');
    expect(config.api.token).toBe('from-env');
    expect(ok(configFrom({ api: { token: '' } }, { env: {} })).api.token).toBeNull();
  });
});

describe('flag overrides', () => {
  const file = `source: "stdin:"
format: json
output: { dir: from-file }
checkpoint: { dir: cp-from-file }
api: { enabled: true, port: 1234 }
pipeline: { workers: 3 }
`;

  it('win over the file\'s keys', () => {
    const config = ok(
      loadConfig(
        configFile('flags.yaml', file),
        { source: 'tcp://127.0.0.1:9999', format: 'clf', output: 'out-flag', checkpoint: 'cp-flag', noApi: true, workers: '6' },
        noEnv,
      ),
    );
    expect(config.source).toBe('tcp://127.0.0.1:9999');
    expect(config.format).toBe('clf');
    expect(config.output.dir).toBe('out-flag');
    expect(config.checkpoint.dir).toBe('cp-flag');
    expect(config.api.enabled).toBe(false);
    expect(config.api.port).toBe(1234);
    expect(config.pipeline.workers).toBe(6);
  });

  it('apply without a file, and leave the rest alone', () => {
    const config = ok(loadConfig(undefined, { workers: 4, host: '0.0.0.0', port: '0', noApi: false }, noEnv));
    expect(config.pipeline.workers).toBe(4);
    expect(config.api).toEqual({ enabled: true, host: '0.0.0.0', port: 0, token: null, corsOrigins: [] });
    expect(config.source).toBe('generator:');
  });

  it('a bad flag value names the key and the flag', () => {
    expect(problems(loadConfig(undefined, { workers: '0', format: 'xml', source: 'nope' }, noEnv))).toEqual([
      { path: 'format', message: 'must be one of: json, csv, clf, auto (from --format)' },
      { path: 'pipeline.workers', message: 'must be between 1 and 64 (from --workers)' },
      { path: 'source', message: expect.stringMatching(/^missing scheme — expected one of generator:.* \(from --source\)$/) },
    ]);
  });
});

describe('alerts.webhook keys', () => {
  const hook = (alerts: Record<string, unknown>, env: Record<string, string> = {}) => configFrom({ alerts: { webhook: 'https://hooks.example.com/x', ...alerts } }, { env });

  it('default to the JSON format, unsigned', () => {
    expect(ok(hook({})).alerts).toMatchObject({ webhook: 'https://hooks.example.com/x', webhookFormat: 'json', webhookSecretEnv: null });
  });

  it('take slack and the name of a variable that is set; the secret itself is not in the config', () => {
    const config = ok(hook({ webhookFormat: 'slack', webhookSecretEnv: 'HOOK_SECRET' }, { HOOK_SECRET: 'the-secret' }));
    expect(config.alerts).toMatchObject({ webhookFormat: 'slack', webhookSecretEnv: 'HOOK_SECRET' });
    expect(JSON.stringify(config)).not.toContain('the-secret');
  });

  it('refuse an unknown format, a bad or unset variable name, and a secret without a webhook, naming the key but not the value', () => {
    expect(byPath(hook({ webhookFormat: 'teams' }))).toEqual({ 'alerts.webhookFormat': 'must be one of: json, slack' });
    expect(byPath(hook({ webhookSecretEnv: '1-SECRET' }))).toEqual({
      'alerts.webhookSecretEnv': 'must be an environment variable name (letters, digits and _, not starting with a digit)',
    });
    const unset = byPath(hook({ webhookSecretEnv: 'HOOK_SECRET' }, { HOOK_SECRET: '' }));
    expect(unset).toEqual({ 'alerts.webhookSecretEnv': 'names an environment variable that is not set (or is empty)' });
    expect(JSON.stringify(unset)).not.toContain('HOOK_SECRET');
    expect(byPath(configFrom({ alerts: { webhookSecretEnv: 'HOOK_SECRET' } }, { env: { HOOK_SECRET: 'x' } }))).toEqual({
      'alerts.webhookSecretEnv': 'is used only with alerts.webhook',
    });
  });
});
