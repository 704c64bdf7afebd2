// Cluster mode (issue 19), a bounded read SIGKILLed in its last moment: its end is on the state topic ("closed
// through the end of time", with every window it closed) but the run has not finished. The restart goes on from the
// checkpoint of that very cut: nothing is read again, so no record is counted twice in the group's windows.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { alertKeys, lines, readKind } from '../e2e/helpers.js';
import { spawnCli } from '../support/cli.js';
import { brokerInfo, createTopic, readTopic } from '../support/kafka.js';
import { expectRows, inEventTimeOrder, referenceAlertKeys, referenceRows } from '../kafka/expect-rows.js';

const END_PUBLISHED = 'cluster: the end of the read is on the state topic';

it('a bounded read SIGKILLed once its end is on the state topic, then run again: every row, error and alert once', async () => {
  const brokers = brokerInfo().plaintext;
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-cluster-end-kill-'));
  const topic = await createTopic(brokers, 3);
  // Simulated time, 3 ms a line: six windows. One hour between timed cuts: the end's is the run's only cut.
  const gen = spawnCli(['gen', '--rate', '0', '--count', '60000', '--seed', '37', '--start', '2026-01-01T00:00:00Z', '--step', '3', '--out', `kafka://${brokers}/${topic}`], { stdout: 'ignore' });
  expect(await gen.exit, gen.stderr()).toBe(0);
  // The restart joins another consumer group (a killed member holds its partitions until the broker's 45 s session
  // timeout) with the same state topic, named: the group's state is the same.
  const cfg = join(dir, 'c.yaml');
  writeFileSync(cfg, `console:\n  enabled: false\noutput:\n  rotateEvery: 1h\ncluster:\n  enabled: true\n  topic: ${topic}-state\n`);
  const run = (group: string) => {
    const source = `kafka://${brokers}/${topic}?group=${group}&startingOffsets=earliest&endingOffsets=latest`;
    return spawnCli(['run', '-c', cfg, '--no-api', '--source', source, '--output', join(dir, 'out'), '--checkpoint', join(dir, 'ckpt')]);
  };

  const killed = run(`${topic}-g1`);
  killed.child.stderr!.on('data', () => {
    if (killed.stderr().includes(END_PUBLISHED)) killed.child.kill('SIGKILL');
  });
  expect(await killed.exit, killed.stderr()).toBeNull();
  expect(killed.stderr()).not.toContain('input ended; every window emitted'); // killed before its end

  const again = run(`${topic}-g2`);
  expect(await again.exit, again.stderr()).toBe(0);

  const values = (await readTopic(brokers, topic, 3)).flat();
  const want = referenceRows(inEventTimeOrder(values));
  expect(new Set(want.map((r) => r.window_start)).size).toBeGreaterThanOrEqual(6);
  const out = join(dir, 'out');
  expect(lines(readKind(out, 'errors')).sort()).toEqual(values.filter((l) => !/"status": 200/.test(l)).sort());
  expectRows(lines(readKind(out, 'metrics')).map((l) => JSON.parse(l) as Record<string, unknown>), want);
  expect(alertKeys(readKind(out, 'alerts'))).toEqual(referenceAlertKeys(want));
}, 180_000);
