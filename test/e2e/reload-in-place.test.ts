// A reload applies what can change in place at once, on the real daemon: the alert threshold, the console interval,
// the results and rotation intervals, the log level and the API token. Each is set to "never" (an hour) or "off"
// before the reload, so what appears after it is the reload's doing. A bad file changes nothing, also where a
// command-line flag overrides the bad key, and every reload is counted on /metrics by result.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { apiUrl } from '../api/helpers.js';
import { parseSamples, series } from '../api/prom-text.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { until } from '../support/wait.js';
import { lines, listKind, readKind } from './helpers.js';

const yaml = (o: { token: string; every: string; threshold: number; level: string }) => `source: "generator:?rate=200"
api: { port: 0, token: ${o.token} }
console: { every: ${o.every} }
output: { rotateEvery: ${o.every}, resultsEvery: ${o.every === '1h' ? '1h' : '1s'} }
alerts: { early: true, rules: [{ type: errors_per_status, threshold: ${o.threshold} }] }
log: { level: ${o.level} }
`;

/** The complete (published) files of a kind. */
const published = (out: string, kind: string) => listKind(out, kind).filter((f) => f.endsWith('.ndjson'));

/** The JSON log line whose message is `msg` (the last one). */
function logLine(stderr: string, msg: string): Record<string, unknown> {
  const line = stderr.split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).at(-1);
  expect(line, `no "${msg}" in:\n${stderr}`).toBeDefined();
  return JSON.parse(line!) as Record<string, unknown>;
}

it('SIGHUP applies thresholds, console and output intervals, log level and token at once; a bad file changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-reload-'));
  const cfg = join(dir, 'logpulse.yaml');
  const out = join(dir, 'out');
  writeFileSync(cfg, yaml({ token: 'first', every: '1h', threshold: 1_000_000, level: 'info' }));
  const d = spawnCli(['run', '-c', cfg, '--output', out, '--checkpoint', join(dir, 'cp'), '--workers', '2'], { cwd: dir });
  const url = await apiUrl(d);
  await waitForLog(d, 'source started');
  const get = (token: string) => fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect((await get('first')).status).toBe(200);

  writeFileSync(cfg, yaml({ token: 'second', every: '300ms', threshold: 0, level: 'debug' }));
  // Nothing of what the reload turns on has happened yet: every interval was an hour, the threshold out of reach.
  expect(d.stdout().toString()).not.toContain('window (UTC)');
  expect(published(out, 'errors')).toEqual([]);
  expect(existsSync(join(out, 'results.txt'))).toBe(false);
  d.child.kill('SIGHUP');
  await waitForLog(d, 'SIGHUP: config reloaded');
  const reloaded = logLine(d.stderr(), 'SIGHUP: config reloaded');
  const inPlace = ['output.rotateEvery', 'output.resultsEvery', 'console.every', 'alerts.rules', 'api.token', 'log.level'];
  expect(reloaded).toMatchObject({ changed: inPlace, inPlace });
  expect(reloaded).not.toHaveProperty('restartNeeded');
  expect(d.stderr()).not.toContain('second'); // the token is named, never shown

  await until(() => `the console table, files, results.txt and alerts after the reload; stderr:\n${d.stderr()}`, () =>
    d.stdout().toString().includes('window (UTC)') &&
    published(out, 'errors').length > 0 &&
    existsSync(join(out, 'results.txt')) &&
    lines(readKind(out, 'alerts')).length > 0,
  );
  expect(readFileSync(join(out, 'results.txt'), 'utf8')).toMatch(/total=\d+, errors=\d+/);
  expect((await get('first')).status).toBe(401);
  expect((await get('second')).status).toBe(200);

  // pipeline.workers: 0 is overridden by --workers 2 on the command line, but it is the file that is reloaded.
  writeFileSync(cfg, `${yaml({ token: 'third', every: '300ms', threshold: 0, level: 'debug' })}pipeline: { workers: 0, window: soon }\n`);
  d.child.kill('SIGHUP');
  await waitForLog(d, 'SIGHUP: new config is invalid; keeping the running one');
  const refused = logLine(d.stderr(), 'SIGHUP: new config is invalid; keeping the running one');
  expect(refused.problems).toEqual([expect.stringMatching(/^pipeline\.window: .*\(line 7\)$/), expect.stringMatching(/^pipeline\.workers: .*\(line 7\)$/)]);
  expect((await get('third')).status).toBe(401);

  const m = parseSamples(await (await get('second')).text());
  expect(Object.fromEntries(series(m, 'logpulse_config_reloads_total'))).toEqual({ '{result="ok"}': 1, '{result="failed"}': 1 });

  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);
}, 60_000);
