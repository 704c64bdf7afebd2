// Issue 13 on a file: source: SIGKILL at random moments of a 2 M-line run, a restart each time with the same
// config, then a last run to the end. The file's byte position is checkpointed with the state at every durable cut
// and the outputs of a killed run's unfinished cut are discarded, so the final outputs equal those of one run
// that was never killed: every error record, rejected line and window row once, every alert once.
// (4 M lines and kills 10-150 ms after the source starts: the daemon reads 2 M lines in well under a second now, and
// with 2 M lines and kills up to 300 ms a late run could read to the end before its kill: a file read to its end
// leaves no checkpoint, so the last run read it all again.)
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { readCheckpoint } from '../../src/daemon/checkpoint.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { CLI } from '../support/paths.js';
import { Rng } from '../support/rng.js';
import { sleep } from '../support/wait.js';
import { alertKeys, lines, readKind } from './helpers.js';

const KILLS = 10;
const sorted = (text: string) => lines(text).sort();

it(`a file: run killed ${KILLS} times and restarted writes what one uninterrupted run writes`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-file-crash-'));
  const input = join(dir, 'access.log');
  const fd = openSync(input, 'w');
  const g = spawnSync(process.execPath, [CLI, 'gen', '--rate', '0', '--count', '4000000', '--seed', '13', '--start', '2025-06-09T09:00:00Z', '--step', '3', '--late-fraction', '0.002', '--malformed-fraction', '0.001'], { stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  expect(g.status, g.stderr?.toString()).toBe(0);
  const config = (name: string) => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, `source: "file:${input}"\napi: { enabled: false }\nconsole: { enabled: false }\npipeline: { workers: 2 }\noutput: { dir: ${join(dir, name)}, rotateEvery: 150ms }\ncheckpoint: { dir: ${join(dir, `${name}-cp`)} }\n`);
    return path;
  };

  const reference = spawnCli(['run', '-c', config('reference')], { cwd: dir });
  expect(await reference.exit, reference.stderr()).toBe(0);

  const crashed = config('crashed');
  const rng = new Rng(13);
  let kills = 0;
  while (kills < KILLS) {
    const d = spawnCli(['run', '-c', crashed], { cwd: dir });
    await waitForLog(d, 'source started');
    await sleep(rng.int(10, 150));
    if (d.child.exitCode !== null) break; // it read to the end first
    d.child.kill('SIGKILL');
    await d.exit;
    // No checkpoint: the run had read to the end (its end retires the checkpoint) just before the kill.
    if ((await readCheckpoint(join(dir, 'crashed-cp'))) === null) break;
    kills++;
  }
  if (kills === KILLS) {
    const last = spawnCli(['run', '-c', crashed], { cwd: dir });
    expect(await last.exit, last.stderr()).toBe(0);
  }

  const out = (name: string, kind: string) => readKind(join(dir, name), kind);
  const errors = sorted(out('crashed', 'errors'));
  expect(errors.length).toBeGreaterThan(150_000);
  expect(errors).toEqual(sorted(out('reference', 'errors')));
  expect(sorted(out('crashed', 'rejected')), 'rejected lines').toEqual(sorted(out('reference', 'rejected')));
  expect(sorted(out('crashed', 'metrics')), 'window rows').toEqual(sorted(out('reference', 'metrics')));
  expect(alertKeys(out('crashed', 'alerts')), 'alerts').toEqual(alertKeys(out('reference', 'alerts')));
  expect(kills).toBe(KILLS);
}, 300_000);
