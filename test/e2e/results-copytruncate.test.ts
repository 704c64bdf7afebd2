// results.txt under logrotate's `copytruncate` (README, Retention): the daemon keeps appending to the file it has,
// someone else copies it and truncates it to 0, and the daemon's next line must land at the new end — not at its
// old offset after a hole of NULs. Checked with a plain truncate and with logrotate itself.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, expect, it } from 'vitest';

import { spawnCli, waitForLog } from '../support/cli.js';
import { ensureDebianPackage } from '../support/debian.js';
import { until } from '../support/wait.js';
import { lines } from './helpers.js';

const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, total=\d+, errors=\d+, error_rate=\d+\.\d\d%$/;

beforeAll(() => ensureDebianPackage('logrotate'), 600_000);

/** The file holds only whole results lines: no NUL, nothing torn. */
function wellFormed(text: string): void {
  expect(text.includes('\0'), JSON.stringify(text.slice(0, 200))).toBe(false);
  expect(text.endsWith('\n')).toBe(true);
  for (const l of lines(text)) expect(l).toMatch(LINE);
}

it('results.txt truncated under a running daemon (truncate, then logrotate copytruncate) goes on at the new end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-copytruncate-'));
  const out = join(dir, 'out');
  const results = join(out, 'results.txt');
  const cfg = join(dir, 'run.yaml');
  writeFileSync(cfg, `source: "generator:?rate=200"\nconsole: { enabled: false }\napi: { enabled: false }\noutput: { dir: ${out}, resultsEvery: 1s }\ncheckpoint: { dir: ${join(dir, 'cp')} }\n`);
  const d = spawnCli(['run', '-c', cfg]);
  const count = () => (existsSync(results) ? lines(readFileSync(results, 'utf8')).length : 0);
  try {
    await waitForLog(d, 'source started');
    await until('3 lines in results.txt', () => count() >= 3, { ms: 20_000 });

    truncateSync(results, 0);
    await until('2 new lines after the truncate', () => count() >= 2, { ms: 20_000 });
    wellFormed(readFileSync(results, 'utf8'));

    await until('3 lines again', () => count() >= 3, { ms: 20_000 });
    const conf = join(dir, 'logrotate.conf');
    writeFileSync(conf, `${results} {\n  copytruncate\n  rotate 3\n  missingok\n  nocompress\n}\n`);
    const r = spawnSync('logrotate', ['-f', '-s', join(dir, 'logrotate.state'), conf], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rotated = readFileSync(`${results}.1`, 'utf8');
    expect(lines(rotated).length).toBeGreaterThanOrEqual(3);
    wellFormed(rotated);
    await until('2 new lines after logrotate', () => count() >= 2, { ms: 20_000 });
    wellFormed(readFileSync(results, 'utf8'));
  } finally {
    d.child.kill('SIGTERM');
  }
  expect(await d.exit, d.stderr()).toBe(0);
  wellFormed(readFileSync(results, 'utf8'));
}, 120_000);
