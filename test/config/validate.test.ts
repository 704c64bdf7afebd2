import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateCommand } from '../../src/cli/validate.js';
import { configFile, tempPath } from './helpers.js';

describe('logpulse validate', () => {
  let stdout = '';
  let stderr = '';

  beforeEach(() => {
    stdout = '';
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('exits 0 and says so for a valid config', async () => {
    const path = configFile('good.yaml', 'source: "stdin:"\npipeline: { window: 1m }\n');
    expect(await validateCommand({ config: path })).toBe(0);
    expect(stdout.startsWith(`config OK: ${path}\nretention (output.retention, archive.retention):\n`)).toBe(true);
    expect(stderr).toBe('');
  });

  it('shows the effective retention limits per output kind and for the archive', async () => {
    const path = configFile(
      'retention.yaml',
      'output:\n  retention: { maxAge: 3d, maxSize: 10GiB, errors: { maxSize: 500MB }, metrics: { maxAge: 0 } }\narchive: { retention: { maxAge: 2w } }\n',
    );
    expect(await validateCommand({ config: path })).toBe(0);
    expect(stdout).toContain('  errors    maxAge 3d     maxSize 500MB\n');
    expect(stdout).toContain('  metrics   maxAge none   maxSize 10GiB\n');
    expect(stdout).toContain('  rejected  maxAge 3d     maxSize 10GiB\n');
    expect(stdout).toContain('  archive   maxAge 14d    maxSize none  (archive.enabled is false)\n');
  });

  it('shows the memory limit the daemon would hold itself to: limits.maxMemory when set', async () => {
    const path = configFile('memory.yaml', 'limits: { maxMemory: 402653184 }\n');
    expect(await validateCommand({ config: path })).toBe(0);
    expect(stdout).toMatch(/^memory limit \(limits\.maxMemory\): 384 MiB \(limits\.maxMemory\)/m);
  });

  it('exits 0 for Kafka brokers without a port, in the source URI and in kafka.brokers (9092)', async () => {
    const path = configFile('kafka.yaml', 'source: kafka://k1/http-logs\nkafka: { brokers: "k1,k2" }\n');
    expect(await validateCommand({ config: path })).toBe(0);
    expect(stdout.startsWith(`config OK: ${path}\n`)).toBe(true);
    expect(stderr).toBe('');
  });

  it('exits 2 and prints every problem, one "path: message" per line, on stderr', async () => {
    const path = configFile(
      'bad.yaml',
      [
        'format: xml',
        'pipeline:',
        '  window: 10 seconds',
        '  workers: 0',
        'kafka:',
        '  security:',
        '    password: p4ssw0rd-value',
        'alerts:',
        '  rules:',
        '    - { type: global_error_rate, threshold: 2.5 }',
        'unknownTop: 1',
        '',
      ].join('\n'),
    );
    expect(await validateCommand({ config: path })).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      'format: must be one of: json, csv, clf, auto (line 1)',
      expect.stringMatching(/^pipeline\.window: must be a duration: .* \(line 3\)$/),
      'pipeline.workers: must be between 1 and 64 (line 4)',
      'kafka.security.password: credentials are never read from the config file: set the KAFKA_USERNAME and KAFKA_PASSWORD environment variables (line 7)',
      'alerts.rules[0].threshold: must be a fraction between 0 and 1 for global_error_rate (e.g. 0.025 for 2.5 %) (line 10)',
      'unknownTop: unknown key (line 11)',
    ]);
    expect(stderr).not.toContain('p4ssw0rd');
  });

  it('exits 2 naming limits.maxMemory when it is too small to hold the daemon', async () => {
    const path = configFile('memory.yaml', 'limits: { maxMemory: 1048576 }\n');
    expect(await validateCommand({ config: path })).toBe(2);
    expect(stderr).toBe("limits.maxMemory: must be 0 (derived from the cgroup's limit) or at least 33554432 bytes (32 MiB) (line 1)\n");
  });

  it('exits 2 for a file that does not exist or does not parse', async () => {
    const missing = tempPath('missing.yaml');
    expect(await validateCommand({ config: missing })).toBe(2);
    expect(stderr).toBe(`${missing}: cannot read the config file: no such file\n`);

    stderr = '';
    const broken = configFile('broken.json', '{"source": "stdin:",\n "format": "json"\n');
    expect(await validateCommand({ config: broken })).toBe(2);
    expect(stderr).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid YAML/JSON: .* \\(line \\d+, column \\d+\\)\n`));
  });
});
