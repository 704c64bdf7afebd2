// The broker goes away for 10 s mid-stream and comes back (issue 6): producer and daemon wait and carry on;
// nothing is lost and nothing counted twice. Runs on its own broker instance, so the other Kafka tests keep theirs.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, expect, it } from 'vitest';

import { lines, readKind } from '../e2e/helpers.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { brokerInfo, brokerInstance, createTopic, kafkaScript, readTopic, TEST_BROKER } from '../support/kafka.js';
import { sleep, until } from '../support/wait.js';
import { closeAllWindows, expectRows, inEventTimeOrder, referenceRows } from './expect-rows.js';

// Beside the tests' broker (which takes its port and the next two), so runs that move that one move this too.
const OUTAGE_BROKER = brokerInstance('test-outage', TEST_BROKER.port + 10);

afterAll(() => {
  try {
    kafkaScript('stop', OUTAGE_BROKER);
  } catch {
    // Not running.
  }
  rmSync(OUTAGE_BROKER.dir, { recursive: true, force: true });
});

it('broker stopped for 10 s mid-stream, then restarted: the run continues and every record is counted once', async () => {
  rmSync(OUTAGE_BROKER.dir, { recursive: true, force: true });
  kafkaScript('start', OUTAGE_BROKER);
  const brokers = brokerInfo(OUTAGE_BROKER).plaintext;
  const topic = await createTopic(brokers, 3);
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-kafka-outage-'));
  const cfg = join(dir, 'c.yaml');
  writeFileSync(cfg, 'console:\n  enabled: false\noutput:\n  rotateEvery: 1s\n');
  const out = join(dir, 'out');
  const d = spawnCli(['run', '-c', cfg, '--no-api', '--source', `kafka://${brokers}/${topic}?group=outage&startingOffsets=earliest`, '--output', out, '--checkpoint', join(dir, 'ckpt')]);
  await waitForLog(d, 'partitions assigned', 30_000);

  const producer = spawnCli(['gen', '--rate', '5000', '--count', '100000', '--seed', '3', '--out', `kafka://${brokers}/${topic}`], { stdout: 'ignore' });
  const produced = once(producer.child, 'exit');
  // The broker goes away 5 s into the ~20 s the producer needs, and only once the daemon has made some records
  // durable (rotateEvery 1s), however slow its start on a loaded CI: that is what makes the outage mid-stream.
  await sleep(5000);
  await until(() => `an errors file\n${d.stderr().slice(-4000)}`, () => lines(readKind(out, 'errors')).length > 0, { ms: 25_000, everyMs: 100 });
  const errorsBefore = lines(readKind(out, 'errors')).length;
  kafkaScript('stop', OUTAGE_BROKER);
  await sleep(10_000);
  kafkaScript('start', OUTAGE_BROKER);
  expect((await produced)[0], producer.stderr()).toBe(0);
  await closeAllWindows(brokers, topic, 3);

  const values = (await readTopic(brokers, topic, 3)).flat().filter((v) => !v.includes('/closer'));
  expect(values.length).toBe(100_000);
  const wantErrors = values.filter((l) => !/"status": 200/.test(l)).sort();
  const want = referenceRows(inEventTimeOrder(values));
  await until(
    () => `every record: errors ${lines(readKind(out, 'errors')).length}/${wantErrors.length}\n${d.stderr().slice(-4000)}`,
    () => lines(readKind(out, 'errors')).length >= wantErrors.length && lines(readKind(out, 'metrics')).length >= want.length,
    { ms: 90_000, everyMs: 250 },
  );
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);

  expect(errorsBefore).toBeGreaterThan(0); // the outage really was mid-stream
  expect(d.stderr()).toMatch(/kafka: (client error|offset commit failed)/); // and the daemon saw it
  expect(lines(readKind(out, 'errors')).sort()).toEqual(wantErrors);
  expectRows(lines(readKind(out, 'metrics')).map((l) => JSON.parse(l) as Record<string, unknown>), want);
}, 240_000);
