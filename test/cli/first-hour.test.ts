// The first hour in a terminal (issue 21): under a pseudo-terminal `run` shows the banner, the bar or its summary
// and readable log lines, never a JSON line; with stderr piped the log is JSON lines only, as before. And the
// small things met on the way: `--version`, an unknown flag's code, a run whose lines are almost all rejected.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { spawnCli } from '../support/cli.js';
import { CLI, ROOT } from '../support/paths.js';
import { runInPty, runShellInPty } from '../support/pty.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const LINES = 20_000;
let dir: string;
let input: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logpulse-first-hour-'));
  input = join(dir, 'access.log');
  const text = execFileSync(process.execPath, [CLI, 'gen', '--count', String(LINES), '--seed', '1', '--rate', '0', '--start', '2026-12-06T10:00:00Z', '--step', '5'], { maxBuffer: 1 << 28 });
  writeFileSync(input, text);
});

/** A fresh working directory (outputs, checkpoint) per run. */
const cwd = () => mkdtempSync(join(dir, 'run-'));
const run = ['run', '--no-api', '--source'];

describe('logpulse run on a terminal', () => {
  it('shows the banner, readable log lines and the summary, and no JSON line', async () => {
    const r = await runInPty([...run, `file:${input}`], cwd());
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toContain(`logpulse ${VERSION}`);
    expect(r.screen).toMatch(/\n {2}config +embedded default\n/);
    expect(r.screen).toMatch(/\n {2}source +file:\S+access\.log \(format auto, \d+ workers?\)\n/);
    expect(r.screen).toMatch(/\n {2}stop +Ctrl-C or kill \d+/);
    expect(r.screen).toMatch(new RegExp(`done: ${LINES.toLocaleString('en-US')} lines, [\\d,]+ records, [\\d,]+ errors, 0 rejected, 0 late, [\\d,]+ windows`));
    expect(r.screen).toMatch(/INFO.*source started source=file:/);
    // The bar, drawn from the start and cleared at the end (the pty's transcript keeps every frame).
    expect(r.screen).toMatch(/\d+% \| [\d.]+ [kMGT]?B of [\d.]+ [kMGT]?B \| [\d,]+ lines\/s \| [\d,]+ errors \| ETA/);
    expect(r.screen.split('\n').filter((l) => l.includes('{"level"'))).toEqual([]);
  });

  it('NO_COLOR: no colour in the log lines or the banner', async () => {
    const r = await runInPty([...run, `file:${input}`], cwd(), { NO_COLOR: '1' });
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toMatch(/\] INFO: source started/);
    expect(r.screen).not.toContain('\u001b[3');
    expect(r.screen).not.toContain('\u001b[1m');
  });

  it('log.format: json keeps JSON lines on a terminal (and then no bar, no banner text)', async () => {
    const home = cwd();
    writeFileSync(join(home, 'c.yaml'), 'log:\n  format: json\n');
    const r = await runInPty(['run', '-c', 'c.yaml', '--no-api', '--source', `file:${input}`], home);
    expect(r.code, r.screen).toBe(0);
    const logLines = r.screen.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(expect.arrayContaining(['running', 'source started']));
    expect(r.screen).not.toContain('done: ');
  });
});

describe('logpulse run with stderr piped', () => {
  it('logs JSON lines only, each parseable, with the fields of before and the banner as one `running` line', async () => {
    const p = spawnCli([...run, `file:${input}`]);
    expect(await p.exit, p.stderr()).toBe(0);
    const entries = p
      .stderr()
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const e of entries) expect(Object.keys(e)).toEqual(expect.arrayContaining(['level', 'time', 'pid', 'name', 'msg']));
    const running = entries.find((e) => e.msg === 'running');
    expect(running).toMatchObject({ version: VERSION, config: 'embedded default', source: `file:${input}`, api: null, archive: null });
    const ended = entries.find((e) => e.msg === 'input ended; every window emitted, outputs flushed');
    expect(ended).toMatchObject({ totals: { lines: LINES } });
    expect(p.stderr()).not.toContain('done: ');
  });

  it('says at once and at the end when almost every line is rejected (a CSV file read as JSON)', async () => {
    const csv = join(dir, 'access.csv');
    const text = execFileSync(process.execPath, [CLI, 'gen', '--count', '500', '--seed', '2', '--rate', '0', '--format', 'csv', '--start', '2026-12-06T10:00:00Z']);
    writeFileSync(csv, text);
    const p = spawnCli(['run', '--no-api', '--format', 'json', '--source', `file:${csv}`]);
    expect(await p.exit, p.stderr()).toBe(0);
    const warnings = p
      .stderr()
      .split('\n')
      .filter((l) => l.includes('lines rejected as malformed'))
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.at(-1)).toMatchObject({ level: 40, msg: '500 of 500 lines rejected as malformed; is `format` right?' });
  });
});

describe('logpulse gen --count into a file, on a terminal', () => {
  it('ends with how many lines it wrote and how fast, the file holding exactly those lines', async () => {
    const home = cwd();
    const r = await runShellInPty(`'${process.execPath}' '${CLI}' gen --count 30000 --rate 0 --seed 3 > out.log`, home);
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toMatch(/logpulse gen: 30,000 lines written in [\d.]+ s \([\d,]+ lines\/s\)\n/);
    expect(readFileSync(join(home, 'out.log'), 'utf8').split('\n')).toHaveLength(30_001);
  });
});

describe('logpulse --version and bad flags', () => {
  for (const flag of ['--version', '-V']) {
    it(`${flag} prints logpulse's, the native module's (and its build profile) and Node's versions, exit 0`, async () => {
      const p = spawnCli([flag]);
      expect(await p.exit, p.stderr()).toBe(0);
      expect(p.stdout().toString().split('\n')).toEqual([`logpulse ${VERSION}`, `native ${VERSION} (release)`, `node ${process.version}`, '']);
    });
  }

  it('an unknown flag is LP_ERR_ARGS, exit 2, like every other bad argument', async () => {
    const p = spawnCli(['run', '--no-such-flag']);
    expect(await p.exit).toBe(2);
    expect(p.stderr()).toMatch(/^LP_ERR_ARGS: unknown option '--no-such-flag'/);
  });
});
