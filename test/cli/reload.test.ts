// `logpulse reload` (by pid file or process id, validating with -c first), `run --pid-file` and `run --watch-config`,
// on the real daemon.
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { type CliProcess, spawnCli, waitForLog } from '../support/cli.js';
import { until } from '../support/wait.js';

const config = (level: string) => `source: "generator:?rate=100"\nconsole: { enabled: false }\napi: { enabled: false }\nlog: { level: ${level} }\n`;

/** How many reload outcomes the daemon has logged (ok or refused). */
const reloads = (d: CliProcess, trigger: string) =>
  d.stderr().split('\n').filter((l) => l.includes(`"msg":"${trigger}: config reloaded`) || l.includes(`"msg":"${trigger}: new config is invalid`)).length;

describe('logpulse reload', () => {
  it('signals the daemon named by its pid file or its process id; with -c a bad file is refused before any signal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-reload-cli-'));
    const cfg = join(dir, 'logpulse.yaml');
    const pidFile = join(dir, 'run', 'logpulse.pid');
    writeFileSync(cfg, config('info'));
    // The pid file's directory does not exist: the run cannot write it and says so.
    const noDir = spawnCli(['run', '-c', cfg, '--pid-file', pidFile], { cwd: dir });
    expect(await noDir.exit).toBe(1);
    expect(noDir.stderr()).toContain('LP_ERR_PID_FILE');

    const pidPath = join(dir, 'logpulse.pid');
    const d = spawnCli(['run', '-c', cfg, '--pid-file', pidPath], { cwd: dir });
    await waitForLog(d, 'source started');
    expect(readFileSync(pidPath, 'utf8')).toBe(`${d.child.pid}\n`);

    writeFileSync(cfg, config('debug'));
    const byFile = spawnCli(['reload', '--pid-file', pidPath, '-c', cfg]);
    expect(await byFile.exit, byFile.stderr()).toBe(0);
    expect(byFile.stdout().toString()).toBe(`SIGHUP sent to ${d.child.pid}\n`);
    await until('the first reload', () => reloads(d, 'SIGHUP') === 1);
    expect(d.stderr()).toMatch(/"changed":\["log.level"\].*"msg":"SIGHUP: config reloaded"/);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'pipeline: { window: soon }\n');
    const refused = spawnCli(['reload', '--pid-file', pidPath, '-c', bad]);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr()).toContain('pipeline.window:');
    expect(refused.stderr()).toContain('the daemon was not signalled');

    const byPid = spawnCli(['reload', String(d.child.pid)]);
    expect(await byPid.exit, byPid.stderr()).toBe(0);
    await until('the second reload', () => reloads(d, 'SIGHUP') === 2);
    // The refused one never reached the daemon: two reloads logged, not three.
    expect(reloads(d, 'SIGHUP')).toBe(2);

    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr()).toBe(0);
    expect(existsSync(pidPath)).toBe(false);

    const stale = spawnCli(['reload', '--pid-file', pidPath]);
    expect(await stale.exit).toBe(1);
    expect(stale.stderr()).toContain('LP_ERR_PID_FILE');
    writeFileSync(pidPath, `${d.child.pid}\n`);
    const gone = spawnCli(['reload', '--pid-file', pidPath]);
    expect(await gone.exit).toBe(1);
    expect(gone.stderr()).toContain('LP_ERR_RELOAD');
    const neither = spawnCli(['reload']);
    expect(await neither.exit).toBe(2);
    expect(neither.stderr()).toContain('LP_ERR_ARGS');
  });
});

describe('logpulse run --watch-config', () => {
  it('reloads when the file is rewritten or replaced by a rename, and not when its content stays the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-watch-'));
    const cfg = join(dir, 'logpulse.yaml');
    writeFileSync(cfg, config('info'));
    const d = spawnCli(['run', '-c', cfg, '--watch-config'], { cwd: dir });
    await waitForLog(d, 'source started');
    const trigger = 'config file changed';

    writeFileSync(cfg, config('debug'));
    await until(() => `a reload after the rewrite; stderr:\n${d.stderr()}`, () => reloads(d, trigger) === 1);
    expect(d.stderr()).toMatch(/"changed":\["log.level"\].*"msg":"config file changed: config reloaded"/);

    // The same bytes again (an editor saving without a change): no reload (the debug level is on now).
    writeFileSync(cfg, config('debug'));
    await waitForLog(d, 'its content is the same; no reload');
    expect(reloads(d, trigger)).toBe(1);
    // Replaced by a rename, as editors save: the directory's watch sees it.
    writeFileSync(join(dir, 'next.yaml'), config('info'));
    renameSync(join(dir, 'next.yaml'), cfg);
    await until(() => `a reload after the rename; stderr:\n${d.stderr()}`, () => reloads(d, trigger) === 2);

    writeFileSync(cfg, 'pipeline: { window: soon }\n');
    await until(() => `the bad file refused; stderr:\n${d.stderr()}`, () => reloads(d, trigger) === 3);
    expect(d.stderr()).toContain('"msg":"config file changed: new config is invalid; keeping the running one"');

    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr()).toBe(0);
    expect(reloads(d, trigger)).toBe(3);
  });

  it('needs a config file', async () => {
    const d = spawnCli(['run', '--watch-config']);
    expect(await d.exit).toBe(2);
    expect(d.stderr()).toContain('--watch-config');
  });
});
