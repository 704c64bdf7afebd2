// `logpulse gen` as a user runs it: flags checked up front (exit 2 naming the flag), --count, byte-identical
// output from a seed, quiet exit when the reader goes away, clean stop on SIGTERM/SIGINT.
import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { spawnCli } from '../support/cli.js';
import { CLI } from '../support/paths.js';
import { until } from '../support/wait.js';
import { textLines } from './helpers.js';

const gen = (args: string[]) => spawnSync(process.execPath, [CLI, 'gen', ...args], { maxBuffer: 1 << 28 });

describe('logpulse gen: arguments', () => {
  it.each([
    [['--urls', '0'], /LP_ERR_ARGS: --urls must be an integer from 1/],
    [['--rate', 'fast'], /--rate must be a number of lines per second >= 0/],
    [['--format', 'xml'], /--format must be one of json, csv, clf, got "xml"/],
    [['--status-dist', '90', '10'], /--status-dist takes 3 weights/],
    [['--status-dist', '0', '0', '0'], /--status-dist weights must not all be 0/],
    [['--methods', 'GET', 'BAD METHOD'], /--methods: "BAD METHOD" is not an HTTP method/],
    [['--late-fraction', '0.6', '--malformed-fraction', '0.6'], /--late-fraction plus --malformed-fraction must not exceed 1/],
    [['--error-rate', '101'], /--error-rate must be a percentage from 0 to 100/],
    [['--start', 'yesterday'], /--start must be an ISO 8601 time/],
    [['--rate', '0', '--speed', '2'], /--speed needs --rate > 0/],
    [['--step', '5'], /--step applies with --rate 0 only/],
    [['--compact', '--format', 'csv'], /--compact applies to --format json only/],
    [['--out', 'udp://x:1'], /--out must be stdout, tcp-listen:\/\/HOST:PORT, tcp:\/\/HOST:PORT or kafka:\/\/BROKERS\/TOPIC/],
    [['--out', 'tcp://127.0.0.1'], /--out: .*needs a port/],
    [['--out', 'kafka://127.0.0.1:9092/http-logs?group=g'], /--out: kafka:\/\/ as an output takes no options/],
    [['-c', 'logpulse.yaml'], /-c\/--config applies to --out kafka:\/\/ only/],
  ])('%j → exit 2 naming the flag, no lines written', (args, message) => {
    const r = gen(args);
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toMatch(message);
    expect(r.stderr.toString()).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout.length).toBe(0);
  });

  it('an unknown flag is a commander error, also exit 2', () => {
    const r = gen(['--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toMatch(/unknown option '--bogus'/);
  });
});

describe('logpulse gen: output', () => {
  it('--count N writes exactly N whole lines and exits 0 (defaults otherwise: 10 URLs, 4 methods, json)', () => {
    const r = gen(['--rate', '0', '--count', '25000']);
    expect(r.status).toBe(0);
    expect(r.stderr.toString()).toBe('');
    const lines = textLines(r.stdout);
    expect(lines).toHaveLength(25_000);
    expect(r.stdout.at(-1)).toBe(0x0a);
    const urls = new Set(lines.map((l) => (JSON.parse(l) as { url: string }).url));
    expect(urls.size).toBe(10);
  });

  it('same --seed and options: byte-identical output; another seed differs', () => {
    const args = ['--rate', '0', '--count', '200000', '--start', '2025-06-09T09:42:40Z', '--format', 'clf', '--clf-variant', 'mixed',
      '--malformed-fraction', '0.01', '--late-fraction', '0.01', '--users', '500', '--error-user-percent', '10'];
    const a = gen([...args, '--seed', '42']);
    const b = gen([...args, '--seed', '42']);
    const c = gen([...args, '--seed', '43']);
    expect(a.status).toBe(0);
    expect(a.stdout.length).toBeGreaterThan(200_000 * 50);
    expect(b.stdout.equals(a.stdout)).toBe(true);
    expect(c.stdout.equals(a.stdout)).toBe(false);
  });

  it('simulated time: --start and --step set each line\'s event time; --speed with --rate', () => {
    const step = textLines(gen(['--rate', '0', '--count', '3', '--start', '2025-06-09T09:42:40.5+02:00', '--step', '250', '--format', 'csv']).stdout);
    expect(step.map((l) => l.split(';')[0])).toEqual(['2025-06-09T07:42:40.500000Z', '2025-06-09T07:42:40.750000Z', '2025-06-09T07:42:41Z']);
    // 100 lines/s at 30× : 0.3 s of event time per line.
    const sped = textLines(gen(['--rate', '100', '--count', '3', '--start', '2025-06-09T09:42:40Z', '--speed', '30', '--format', 'csv']).stdout);
    expect(sped.map((l) => l.split(';')[0])).toEqual(['2025-06-09T09:42:40Z', '2025-06-09T09:42:40.300000Z', '2025-06-09T09:42:40.600000Z']);
  });

  it('`logpulse gen | head -5` prints 5 lines and exits 0 without a stack trace (EPIPE is quiet)', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" gen --rate 0 | head -5`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(textLines(r.stdout)).toHaveLength(5);
  });

  it('a reader closing the pipe mid-stream at the default rate ends the run quietly with exit 0', async () => {
    const g = spawnCli(['gen', '--rate', '20']);
    await until('a line', () => g.stdout().length > 0);
    g.child.stdout!.destroy();
    expect(await g.exit).toBe(0);
    expect(g.stderr()).toBe('');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s stops cleanly: exit 0, only whole lines', async (signal) => {
    const g = spawnCli(['gen', '--rate', '2000']);
    await until('some lines', () => textLines(g.stdout()).length > 100);
    g.child.kill(signal);
    expect(await g.exit).toBe(0);
    expect(g.stdout().at(-1)).toBe(0x0a);
    for (const l of textLines(g.stdout())) expect(() => JSON.parse(l)).not.toThrow();
    expect(g.stderr()).toBe('');
  });
});
