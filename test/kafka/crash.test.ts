// Issue 13 on Kafka: 1 M records over 3 partitions, the daemon SIGKILLed at 10 random moments of its read and
// restarted each time, then a last run to the end offsets. (The Rust-driven consumer reads 300 k records in well
// under a second: with fewer, the kills landed after the read had ended.) Every error record once, the window rows of the
// reference, every alert once (as one run never killed wrote them), no rejected line.
//
// Each restart joins a consumer group of its own: a killed member stays in its group until the broker's session
// timeout (45 s), and what this test checks is the checkpoint — positions, state and output marks written in one
// cut — not the group's committed offsets (with no committed offset a partition resumes at the checkpoint's).
// The lines are in event-time order in each partition and none is late, so the result does not depend on how the
// partitions interleave.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { readCheckpoint } from '../../src/daemon/checkpoint.js';
import { alertKeys, lines, readKind } from '../e2e/helpers.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { brokerInfo, createTopic } from '../support/kafka.js';
import { CLI } from '../support/paths.js';
import { Rng } from '../support/rng.js';
import { sleep } from '../support/wait.js';
import { expectRows, referenceRows } from './expect-rows.js';

const KILLS = 10;
const GEN = ['gen', '--rate', '0', '--count', '1000000', '--seed', '41', '--start', '2025-06-09T09:00:00Z', '--step', '2'];
const byWindowAndStatus = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.window_start).localeCompare(String(b.window_start)) || String(a.kind).localeCompare(String(b.kind)) || Number(a.status ?? 0) - Number(b.status ?? 0);

it(`a kafka:// run over 3 partitions killed ${KILLS} times and restarted: every error once, the reference rows, every alert once`, async () => {
  const broker = brokerInfo();
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-kafka-crash-'));
  const topic = await createTopic(broker.plaintext, 3);
  const uri = `kafka://${broker.plaintext}/${topic}`;
  const produced = spawnSync(process.execPath, [CLI, ...GEN, '--out', uri], { encoding: 'utf8' });
  expect(produced.status, produced.stderr).toBe(0);
  const config = (name: string) => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, `api: { enabled: false }\nconsole: { enabled: false }\npipeline: { workers: 2 }\noutput: { dir: ${join(dir, name)}, rotateEvery: 150ms }\ncheckpoint: { dir: ${join(dir, `${name}-cp`)} }\n`);
    return path;
  };
  const source = (group: string) => `${uri}?group=${group}&startingOffsets=earliest&endingOffsets=latest`;

  const reference = spawnCli(['run', '-c', config('reference'), '--source', source('crash-reference')], { cwd: dir });
  expect(await reference.exit, reference.stderr()).toBe(0);

  const crashed = config('crashed');
  const rng = new Rng(41);
  let kills = 0;
  for (let run = 0; kills < KILLS; run++) {
    const d = spawnCli(['run', '-c', crashed, '--source', source(`crash-${run}`)], { cwd: dir });
    await waitForLog(d, 'kafka: partitions assigned');
    await sleep(rng.int(10, 200));
    if (d.child.exitCode !== null) break; // it read to the end first
    d.child.kill('SIGKILL');
    await d.exit;
    // No checkpoint: the run had read to the end offsets (its end retires the checkpoint) just before the kill.
    if ((await readCheckpoint(join(dir, 'crashed-cp'))) === null) break;
    kills++;
  }
  if (kills === KILLS) {
    const last = spawnCli(['run', '-c', crashed, '--source', source('crash-last')], { cwd: dir });
    expect(await last.exit, last.stderr()).toBe(0);
  }

  const data = spawnSync(process.execPath, [CLI, ...GEN], { maxBuffer: 1 << 30 }).stdout;
  const out = (kind: string) => readKind(join(dir, 'crashed'), kind);
  expect(lines(out('errors')).sort()).toEqual(lines(data.toString()).filter((l) => !/"status": 200/.test(l)).sort());
  expect(out('rejected')).toBe('');
  const rows = lines(out('metrics')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expectRows(rows.sort(byWindowAndStatus), referenceRows(data).sort(byWindowAndStatus));
  expect(alertKeys(out('alerts'))).toEqual(alertKeys(readKind(join(dir, 'reference'), 'alerts')));
  expect(kills).toBe(KILLS);
}, 300_000);
