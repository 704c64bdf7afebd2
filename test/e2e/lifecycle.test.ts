// Issue 3 lifecycle acceptance, on the real daemon: exit codes, SIGHUP reload, SIGTERM drain, rotation.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { readCheckpoint } from '../../src/daemon/checkpoint.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { sleep, until } from '../support/wait.js';
import { lines, listKind, readKind } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logpulse-life-'));
});

/** Every file under `out`, recursively, with its size. */
function allFiles(out: string): { path: string; size: number }[] {
  const found: { path: string; size: number }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else found.push({ path: p, size: st.size });
    }
  };
  walk(out);
  return found;
}

/** No `.part`, no empty file, every line of every ndjson file is complete JSON. */
function expectOnlyCompleteFiles(out: string): void {
  for (const f of allFiles(out)) {
    expect(f.path.endsWith('.part'), f.path).toBe(false);
    expect(f.size, f.path).toBeGreaterThan(0);
    if (f.path.endsWith('.ndjson')) {
      const text = readFileSync(f.path, 'utf8');
      expect(text.endsWith('\n'), f.path).toBe(true);
      for (const l of lines(text)) expect(() => JSON.parse(l), `${f.path}: ${l.slice(0, 80)}`).not.toThrow();
    }
  }
}

describe('logpulse run lifecycle', () => {
  it('a bad config exits 2 and names every bad key', async () => {
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'pipeline:\n  window: 30 seconds\n  workerz: 2\noutput:\n  rotateEvery: -1s\n');
    const d = spawnCli(['run', '-c', cfg, '--no-api']);
    expect(await d.exit).toBe(2);
    expect(d.stderr()).toContain('pipeline.window');
    expect(d.stderr()).toContain('pipeline.workerz');
    expect(d.stderr()).toContain('output.rotateEvery');
  });

  it('a bad flag exits 2 naming the flag; an unknown source scheme exits 2', async () => {
    const a = spawnCli(['run', '--workers', 'many', '--no-api']);
    expect(await a.exit).toBe(2);
    expect(a.stderr()).toContain('--workers');
    const b = spawnCli(['run', '--source', 'ftp://x', '--no-api']);
    expect(await b.exit).toBe(2);
    expect(b.stderr()).toContain('unknown scheme "ftp:"');
  });

  it('a kafka:// source whose broker has no port starts (port 9092) and stops with exit 0', async () => {
    // The config check used to require HOST:PORT while the source took HOST alone: this exited 2. A group of
    // its own, in case a broker does listen on 9092 here.
    const source = 'kafka://127.0.0.1/http-logs?group=logpulse-portless-broker-test';
    const d = spawnCli(['run', '--source', source, '--output', join(dir, 'portless-out'), '--checkpoint', join(dir, 'portless-cp'), '--no-api']);
    await waitForLog(d, 'logpulse starting');
    expect(d.stderr()).toContain(`"source":"${source}"`);
    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr()).toBe(0);
    expect(d.stderr()).not.toContain('LP_ERR_SOURCE_URI');
  });

  it('SIGHUP reloads a good config (the new log level takes effect) and keeps running on a bad one', async () => {
    const cfg = join(dir, 'hup.yaml');
    const out = join(dir, 'hup-out');
    const input = join(dir, 'hup-in.log');
    const errorLines = (n: number) => Array.from({ length: n }, (_, i) => `{"timestamp": ${Date.now()}, "ip": "10.0.0.${i % 250}", "method": "GET", "url": "/x", "status": 500}\n`).join('');
    writeFileSync(input, errorLines(100));
    // A followed file is replayable: each durable cut (every 300 ms while lines come) is logged at debug, which is
    // what the reload to level debug must make appear.
    const base = `source: "file:${input}?follow=true"\noutput:\n  dir: ${out}\n  rotateEvery: 300ms\ncheckpoint:\n  dir: ${join(dir, 'hup-checkpoint')}\nconsole:\n  enabled: false\n`;
    writeFileSync(cfg, base);
    const d = spawnCli(['run', '-c', cfg, '--no-api']);
    await waitForLog(d, 'source started');
    // The first lines' error file is published by a durable cut: at level info it leaves no line in the log.
    await until(() => `the first 100 error records in ${out}`, () => lines(readKind(out, 'errors')).length >= 100);
    expect(d.stderr(), 'info level: no debug line yet').not.toContain('"level":20');

    writeFileSync(cfg, `${base}log:\n  level: debug\n`);
    d.child.kill('SIGHUP');
    await waitForLog(d, 'SIGHUP: config reloaded');
    appendFileSync(input, errorLines(100));
    await waitForLog(d, 'durable cut: outputs and state on disk');
    const reloadedAt = d.stderr().indexOf('SIGHUP: config reloaded');
    expect(d.stderr().indexOf('"level":20')).toBeGreaterThan(reloadedAt);

    writeFileSync(cfg, `source: "generator:?rate=500"\npipeline:\n  window: soon\n`);
    d.child.kill('SIGHUP');
    await waitForLog(d, 'new config is invalid; keeping the running one');
    expect(d.stderr()).toContain('pipeline.window');
    await sleep(500);
    expect(d.child.exitCode).toBe(null);

    d.child.kill('SIGTERM');
    expect(await d.exit).toBe(0);
  });

  it('a reload that changes the worker count rebuilds the daemon: the checkpoint at the stop describes what ran', async () => {
    const cfg = join(dir, 'hup-workers.yaml');
    const checkpoint = join(dir, 'hup-checkpoint');
    const base = `source: "generator:?rate=500"\noutput:\n  dir: ${join(dir, 'hup-workers-out')}\ncheckpoint:\n  dir: ${checkpoint}\nconsole:\n  enabled: false\n`;
    writeFileSync(cfg, base);
    const d = spawnCli(['run', '-c', cfg, '--no-api']);
    await waitForLog(d, 'source started');
    writeFileSync(cfg, `${base}pipeline:\n  workers: 4\n`);
    d.child.kill('SIGHUP');
    await waitForLog(d, 'SIGHUP: config reloaded');
    expect(d.stderr()).toMatch(/"rebuild":\["pipeline.workers"\].*"workers":4,"msg":"SIGHUP: config reloaded"/);
    await sleep(500);
    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr()).toBe(0);
    const cp = await readCheckpoint(checkpoint);
    expect(cp?.workers).toBe(4);
    expect(cp?.shards.length).toBe(4);
  });

  it('SIGTERM mid-stream at full speed exits 0 within the shutdown timeout, leaving only complete files', async () => {
    const out = join(dir, 'term-out');
    const d = spawnCli(['run', '--source', 'generator:?rate=0', '--output', out, '--no-api']);
    await waitForLog(d, 'logpulse starting');
    await sleep(3000);
    d.child.kill('SIGTERM');
    // Exit 0 is the proof the drain beat the shutdown timeout: on the deadline run.ts logs and exits 1.
    expect(await d.exit, d.stderr()).toBe(0);
    expect(d.stderr()).not.toContain('shutdown timeout exceeded');
    // In order: the signal is taken, the drain runs, and the closing line is the last thing logged.
    const log = lines(d.stderr()).filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(log.indexOf('stopping: draining in-flight data')).toBeGreaterThan(log.indexOf('logpulse starting'));
    expect(log.at(-1)).toBe('stopped; open windows were not emitted');
    expectOnlyCompleteFiles(out);
    expect(lines(readKind(out, 'errors')).length).toBeGreaterThan(1000);
  });

  it('a second signal exits at once; no visible file is torn, and the next start recovers any .part', async () => {
    const out = join(dir, 'twice-out');
    const d = spawnCli(['run', '--source', 'generator:?rate=0', '--output', out, '--no-api']);
    await waitForLog(d, 'logpulse starting');
    await sleep(2000);
    // Two different signals: two identical ones sent back to back can reach the process as one (standard
    // signals do not queue), which would test a single graceful stop instead.
    d.child.kill('SIGTERM');
    d.child.kill('SIGINT');
    expect(await d.exit, d.stderr()).toBe(1);
    // No drain: the second signal's line comes after the first's, and the drain's closing line never does.
    const log = lines(d.stderr()).filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(log.indexOf('second stop signal: exiting now without draining')).toBeGreaterThan(log.indexOf('stopping: draining in-flight data'));
    expect(log.indexOf('stopping: draining in-flight data')).toBeGreaterThan(-1);
    expect(log).not.toContain('stopped; open windows were not emitted');
    // Visible files are complete whatever the moment of the exit; a .part is the only thing that may be left.
    const visible = allFiles(out).filter((f) => !f.path.endsWith('.part'));
    for (const f of visible) {
      expect(f.size, f.path).toBeGreaterThan(0);
      if (f.path.endsWith('.ndjson')) for (const l of lines(readFileSync(f.path, 'utf8'))) expect(() => JSON.parse(l)).not.toThrow();
    }
    const again = spawnCli(['run', '--source', 'generator:?count=10', '--output', out, '--no-api']);
    expect(await again.exit, again.stderr()).toBe(0);
    expectOnlyCompleteFiles(out);
  });

  it('a 9 s run at 1,000 lines/s rotating every 2 s leaves at least 3 rotated error files, none empty, no .part', async () => {
    const out = join(dir, 'rotate-out');
    // 2 s instead of the default 10 s (a config value, test/config/load.test.ts): the same rotations in a quarter of the time.
    const cfg = join(dir, 'rotate.yaml');
    writeFileSync(cfg, 'output:\n  rotateEvery: 2s\n');
    const d = spawnCli(['run', '-c', cfg, '--source', 'generator:?rate=1000', '--output', out, '--no-api']);
    await waitForLog(d, 'logpulse starting');
    await sleep(9000);
    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr()).toBe(0);
    const files = listKind(out, 'errors');
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(f).toMatch(/^errors-\d{8}T\d{6}Z-all-\d{6}\.ndjson$/);
    expectOnlyCompleteFiles(out);
  }, 60_000);

  it("the README's run command shows console windows, writes outputs and serves the API", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'logpulse-readme-'));
    // The defaults but api.port: tests run many daemons at once, so the API takes a free port instead of 8080.
    writeFileSync(join(cwd, 'api.yaml'), 'api:\n  port: 0\n');
    const d = spawnCli(['run', '-c', 'api.yaml'], { cwd });
    await waitForLog(d, 'api listening');
    const url = (JSON.parse(d.stderr().split('\n').find((l) => l.includes('"api listening"'))!) as { url: string }).url;
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    await until(
      () => `a console table and an error file; stdout so far:\n${d.stdout()}\nstderr:\n${d.stderr()}`,
      () => {
        if (d.child.exitCode !== null) throw new Error(`exited ${d.child.exitCode}: ${d.stderr()}`);
        return d.stdout().includes('window (UTC)') && listKind(join(cwd, 'output'), 'errors').length > 0;
      },
      { ms: 50_000, everyMs: 250 },
    );
    d.child.kill('SIGTERM');
    expect(await d.exit).toBe(0);
    expectOnlyCompleteFiles(join(cwd, 'output'));
  }, 60_000);
});
