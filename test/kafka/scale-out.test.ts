// Two daemons in one consumer group (issue 6), cluster mode off: the second joins while messages flow; the group
// moves partitions between them. Together they write every error record exactly once, and `logpulse merge` over
// their partials gives the rows one daemon would have written (test/cluster/ has the group-wide rows of cluster mode).
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { lines, readKind } from '../e2e/helpers.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { brokerInfo, createTopic, readTopic } from '../support/kafka.js';
import { CLI } from '../support/paths.js';
import { sleep, until } from '../support/wait.js';
import { closeAllWindows, expectRows, inEventTimeOrder, referenceRows } from './expect-rows.js';

// The join makes every partition move (eager rebalance): one consume call in flight across it returned the old
// assignment's prefetched records and the same offsets again, fetched anew, in one batch; before offsets per
// partition were made to only move forward within a batch too, 3 runs of 5 wrote 300-400 error records twice.
it('a second daemon joining mid-stream: errors exactly once across both, merged rows equal the reference', async () => {
  const broker = brokerInfo();
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-kafka-join-'));
  const cfg = join(dir, 'c.yaml');
  writeFileSync(cfg, 'console:\n  enabled: false\noutput:\n  rotateEvery: 1s\ncluster:\n  enabled: false\n');
  const topic = await createTopic(broker.plaintext, 3);
  const source = `kafka://${broker.plaintext}/${topic}?group=join&startingOffsets=earliest`;
  const daemon = (name: string) =>
    spawnCli(['run', '-c', cfg, '--no-api', '--source', source, '--output', join(dir, name), '--checkpoint', join(dir, `${name}-ckpt`)]);

  const a = daemon('a');
  await waitForLog(a, 'partitions assigned', 30_000);
  const producer = spawnCli(['gen', '--rate', '20000', '--count', '300000', '--seed', '9', '--out', `kafka://${broker.plaintext}/${topic}`], { stdout: 'ignore' });
  const produced = once(producer.child, 'exit');
  await sleep(4000);
  const b = daemon('b');
  await waitForLog(b, 'partitions assigned', 30_000);
  expect((await produced)[0]).toBe(0);
  await closeAllWindows(broker.plaintext, topic, 3);

  const values = (await readTopic(broker.plaintext, topic, 3)).flat().filter((v) => !v.includes('/closer'));
  expect(values.length).toBe(300_000);
  const data = inEventTimeOrder(values);
  const wantErrors = values.filter((l) => !/"status": 200/.test(l)).sort();
  const want = referenceRows(data);
  const errorsOf = (name: string) => lines(readKind(join(dir, name), 'errors'));
  const merged = () => {
    const r = spawnSync(process.execPath, [CLI, 'merge', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
    return r.status === 0 ? lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  };
  const state = () =>
    `errors a ${errorsOf('a').length} + b ${errorsOf('b').length} of ${wantErrors.length}, merged rows ${merged().length} of ${want.length}\n--- a:\n${a.stderr().slice(-3000)}\n--- b:\n${b.stderr().slice(-3000)}`;
  // Every 250 ms: each check runs `logpulse merge`.
  await until(state, () => errorsOf('a').length + errorsOf('b').length >= wantErrors.length && merged().length >= want.length, { ms: 60_000, everyMs: 250 });

  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');
  expect(await a.exit, a.stderr()).toBe(0);
  expect(await b.exit, b.stderr()).toBe(0);
  // Both really worked: the group split the partitions and each daemon wrote part of the answer.
  expect(errorsOf('a').length).toBeGreaterThan(0);
  expect(errorsOf('b').length).toBeGreaterThan(0);
  expect([...errorsOf('a'), ...errorsOf('b')].sort()).toEqual(wantErrors);
  expectRows(merged(), want);
}, 180_000);
