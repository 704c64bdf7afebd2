// A reload whose new config cannot start is rolled back: the previous config runs again from the same checkpoint
// (README, Reloading the config). On the real daemon: an API port that is taken (the API alone restarts, and comes
// back on its old address), and a new source that cannot listen (the whole daemon is rebuilt, then rebuilt again on
// the old source). The HTTP API keeps its address across a rebuild that does not change it; a changed address moves
// it. Nothing read before a rollback is lost.
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { readCheckpoint } from '../../src/daemon/checkpoint.js';
import { parseSamples, series } from '../api/prom-text.js';
import { type CliProcess, spawnCli, waitForLog } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { until, untilAsync } from '../support/wait.js';
import { lines, readKind } from './helpers.js';

const WINDOW_MS = 30_000;
const start = Math.floor((Date.now() - 7_200_000) / WINDOW_MS) * WINDOW_MS;
/** `n` in-order lines from line `from`, every fifth a 500. */
const batch = (from: number, n: number) =>
  Array.from({ length: n }, (_, k) => `{"timestamp": ${start + (from + k) * 10}, "ip": "10.0.0.${(from + k) % 200}", "method": "GET", "url": "/x", "status": ${(from + k) % 5 === 0 ? 500 : 200}}\n`).join('');

const urls = (d: CliProcess) => d.stderr().split('\n').filter((l) => l.includes('"api listening"')).map((l) => (JSON.parse(l) as { url: string }).url);
const count = (d: CliProcess, msg: string) => d.stderr().split('\n').filter((l) => l.includes(`"msg":"${msg}`)).length;

async function send(port: number, text: string): Promise<void> {
  const s = createConnection({ host: '127.0.0.1', port });
  await once(s, 'connect');
  await new Promise<void>((r) => s.end(text, () => r()));
  await once(s, 'close');
}

async function metrics(d: CliProcess) {
  return parseSamples(await (await fetch(`${urls(d).at(-1)}/metrics`)).text());
}

it('rolls back a reload whose API or source cannot start, keeping what was read; the API follows its address', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-rollback-'));
  const [sourcePort, apiPort, apiPort2] = [await freePort(), await freePort(), await freePort()];
  // A port that is taken, for the new API and for the new source.
  const taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const takenPort = (taken.address() as { port: number }).port;
  const cfg = join(dir, 'logpulse.yaml');
  const out = join(dir, 'out');
  const yaml = (o: { source: number; api: number; workers?: number; console?: boolean }) =>
    `source: "tcp-listen://127.0.0.1:${o.source}"\napi: { port: ${o.api} }\nconsole: { enabled: ${o.console ?? false}, every: 200ms }\noutput: { dir: ${out}, rotateEvery: 300ms }\npipeline: { workers: ${o.workers ?? 2} }\n`;
  writeFileSync(cfg, yaml({ source: sourcePort, api: apiPort }));
  const d = spawnCli(['run', '-c', cfg], { cwd: dir });
  await waitForLog(d, 'source started');
  await send(sourcePort, batch(0, 1000));
  const lineCount = async () => series(await metrics(d), 'logpulse_lines_total').get('{source="tcp-listen"}');
  await untilAsync('1000 lines', async () => (await lineCount()) === 1000);

  // The API's new port is taken: it comes back on the old one; the pipeline never stopped.
  writeFileSync(cfg, yaml({ source: sourcePort, api: takenPort }));
  d.child.kill('SIGHUP');
  await until(() => `the API rollback; stderr:\n${d.stderr()}`, () => count(d, 'SIGHUP: rolled back') === 1);
  expect(d.stderr()).toContain('reload: the HTTP API could not start on the new config; starting it again on the previous one');
  expect(urls(d)).toEqual([`http://127.0.0.1:${apiPort}`, `http://127.0.0.1:${apiPort}`]);

  // A rebuild that keeps the API's address keeps the API itself (it is not restarted).
  writeFileSync(cfg, yaml({ source: sourcePort, api: apiPort, workers: 1 }));
  d.child.kill('SIGHUP');
  await until(() => `the rebuild; stderr:\n${d.stderr()}`, () => count(d, 'SIGHUP: config reloaded') === 1);
  expect(urls(d)).toHaveLength(2);
  await send(sourcePort, batch(1000, 1000));
  await untilAsync('2000 lines', async () => (await lineCount()) === 2000);

  // The new source cannot listen: the previous one (a new listener on the same port) takes over again.
  writeFileSync(cfg, yaml({ source: takenPort, api: apiPort, workers: 1 }));
  d.child.kill('SIGHUP');
  await until(() => `the source rollback; stderr:\n${d.stderr()}`, () => count(d, 'SIGHUP: rolled back') === 2);
  expect(d.stderr()).toMatch(/LP_ERR_SOURCE_LISTEN.*"msg":"reload: the new config could not start; starting the previous one again from the same checkpoint"/);
  await send(sourcePort, batch(2000, 1000));
  await untilAsync('3000 lines', async () => (await lineCount()) === 3000);

  // A new address moves the API; a key that changes in place in the same reload (the console turned on) applies too.
  writeFileSync(cfg, yaml({ source: sourcePort, api: apiPort2, workers: 1, console: true }));
  d.child.kill('SIGHUP');
  await until(() => `the API move; stderr:\n${d.stderr()}`, () => count(d, 'SIGHUP: config reloaded') === 2);
  expect(urls(d).at(-1)).toBe(`http://127.0.0.1:${apiPort2}`);
  await expect(fetch(`http://127.0.0.1:${apiPort}/health`)).rejects.toThrow();
  expect(d.stdout().toString()).toBe('');
  await send(sourcePort, batch(3000, 10));
  await until('the console table', () => d.stdout().toString().includes('window (UTC)'));
  const m = await metrics(d);
  expect(Object.fromEntries(series(m, 'logpulse_config_reloads_total'))).toEqual({ '{result="ok"}': 2, '{result="failed"}': 2 });
  expect(Object.fromEntries(series(m, 'logpulse_config_rebuilds_total'))).toEqual({ '{result="ok"}': 2, '{result="rolled_back"}': 2 });

  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);
  taken.close();
  // Every error record of the batches, once.
  const errors = lines(readKind(out, 'errors'));
  expect(errors).toHaveLength(602);
  expect(new Set(errors).size).toBe(602);
}, 60_000);

it('a stop signal during a rebuild lets it finish, then stops the daemon it built gracefully', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-stop-rebuild-'));
  const cfg = join(dir, 'logpulse.yaml');
  const base = `source: "generator:?rate=2000"\napi: { enabled: false }\nconsole: { enabled: false }\ncheckpoint: { dir: ${join(dir, 'cp')} }\n`;
  writeFileSync(cfg, base);
  const d = spawnCli(['run', '-c', cfg], { cwd: dir });
  await waitForLog(d, 'source started');
  writeFileSync(cfg, `${base}pipeline: { workers: 3 }\n`);
  d.child.kill('SIGHUP');
  await waitForLog(d, 'SIGHUP: config changed; rebuilding the daemon');
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);
  const log = d.stderr();
  expect(log.indexOf('"msg":"SIGHUP: config reloaded"')).toBeGreaterThan(0);
  expect(log.indexOf('"msg":"stopped; open windows were not emitted"')).toBeGreaterThan(log.indexOf('"msg":"SIGHUP: config reloaded"'));
  expect((await readCheckpoint(join(dir, 'cp')))?.shards).toHaveLength(3);
});

it('a rollback after the source was switched away from a file or stdin reads on where that source stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-rollback-source-'));
  const taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const takenPort = (taken.address() as { port: number }).port;
  const cfg = join(dir, 'logpulse.yaml');
  const logFile = join(dir, 'access.log');
  const yaml = (source: string, out: string) => `source: "${source}"\napi: { enabled: false }\nconsole: { enabled: false }\noutput: { dir: ${join(dir, out)}, rotateEvery: 300ms }\n`;

  // A tailed file: 1000 lines, a reload to a source that cannot listen, 1000 more after the rollback.
  writeFileSync(logFile, batch(0, 1000));
  writeFileSync(cfg, yaml(`file:${logFile}?follow=true`, 'file-out'));
  const f = spawnCli(['run', '-c', cfg], { cwd: dir });
  await waitForLog(f, 'source started');
  await until('the first 200 error records', () => lines(readKind(join(dir, 'file-out'), 'errors')).length === 200);
  writeFileSync(cfg, yaml(`tcp-listen://127.0.0.1:${takenPort}`, 'file-out'));
  f.child.kill('SIGHUP');
  await until(() => `the rollback; stderr:\n${f.stderr()}`, () => count(f, 'SIGHUP: rolled back') === 1);
  appendFileSync(logFile, batch(1000, 1000));
  await until('all 400 error records', () => lines(readKind(join(dir, 'file-out'), 'errors')).length >= 400);
  f.child.kill('SIGTERM');
  expect(await f.exit, f.stderr()).toBe(0);
  const fileErrors = lines(readKind(join(dir, 'file-out'), 'errors'));
  expect(fileErrors).toHaveLength(400);
  expect(new Set(fileErrors).size).toBe(400);

  // stdin: the same, ended by the end of input.
  writeFileSync(cfg, yaml('stdin:', 'stdin-out'));
  const s = spawnCli(['run', '-c', cfg], { cwd: dir, stdin: 'pipe' });
  await waitForLog(s, 'source started');
  s.child.stdin!.write(batch(0, 1000));
  await until('the first 200 error records from stdin', () => lines(readKind(join(dir, 'stdin-out'), 'errors')).length === 200);
  writeFileSync(cfg, yaml(`tcp-listen://127.0.0.1:${takenPort}`, 'stdin-out'));
  s.child.kill('SIGHUP');
  await until(() => `the stdin rollback; stderr:\n${s.stderr()}`, () => count(s, 'SIGHUP: rolled back') === 1);
  s.child.stdin!.end(batch(1000, 1000));
  expect(await s.exit, s.stderr()).toBe(0);
  const stdinErrors = lines(readKind(join(dir, 'stdin-out'), 'errors'));
  expect(stdinErrors).toHaveLength(400);
  expect(new Set(stdinErrors).size).toBe(400);
  taken.close();
}, 60_000);
