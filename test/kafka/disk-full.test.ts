// A full disk under a daemon reading Kafka (issue 13): the consumer stops fetching — what it has not read stays on
// the broker as lag, memory stays flat (librdkafka's prefetch queue is capped at 8 MB) — `/ready` says why, and
// once space is freed the daemon resumes by itself: every error record exactly once, nothing torn, the offsets
// committed past everything.
//
// Fault injection as in test/e2e/disk-full.test.ts: a real 2 MiB tmpfs filled to ENOSPC when `mount` is permitted,
// otherwise output/errors replaced by a plain file (EEXIST). The test prints which one ran.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { batch, breakDisk, expectEveryErrorOnce, metrics, ready, startDaemon } from '../e2e/disk-fault-helpers.js';
import { rssMiB } from '../support/proc-tree.js';
import { brokerInfo, committedOffsets, createTopic, produceTo } from '../support/kafka.js';
import { mountTmpfs, unmount } from '../support/small-disk.js';
import { untilAsync } from '../support/wait.js';

const PARTITIONS = 2;
let dir: string;
let out: string;
let tmpfs = false;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logpulse-kafka-disk-full-'));
  out = join(dir, 'out');
  tmpfs = mountTmpfs(out, '2m');
  console.info(`kafka disk-full fault injection: ${tmpfs ? 'real 2 MiB tmpfs filled to ENOSPC' : 'injected fallback: output/errors replaced by a file (EEXIST)'}`);
});

afterAll(() => {
  unmount(out);
  rmSync(dir, { recursive: true, force: true });
});

/** Line k goes to partition k % 2, so each partition is in event-time order; produced in chunks the producer's queue holds. */
async function produce(brokers: string, topic: string, text: string): Promise<void> {
  const all = text.trimEnd().split('\n');
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = all.filter((_, i) => i % PARTITIONS === p);
    for (let at = 0; at < mine.length; at += 50_000) await produceTo(brokers, topic, p, mine.slice(at, at + 50_000));
  }
}

it('stops fetching on a full disk (lag on the broker, memory flat), resumes by itself, loses and repeats nothing', async () => {
  const broker = brokerInfo();
  const topic = await createTopic(broker.plaintext, PARTITIONS);
  const group = 'disk-full';
  const source = `kafka://${broker.plaintext}/${topic}?group=${group}&startingOffsets=earliest`;
  const { d, api } = await startDaemon(dir, out, '300ms', '', source);
  const lines = (m: Map<string, number>) => m.get('logpulse_lines_total{source="kafka"}') ?? 0;
  const lag = (m: Map<string, number>) => [...m].filter(([k]) => k.startsWith('logpulse_kafka_consumer_lag{')).reduce((s, [, v]) => s + v, 0);

  await produce(broker.plaintext, topic, batch(0, 1000));
  await untilAsync('batch A durable', async () => {
    const m = await metrics(api);
    return lines(m) === 1000 && m.get('logpulse_output_pending_bytes') === 0;
  }, { ms: 30_000 });
  const rssBefore = rssMiB(d.child.pid!);

  const heal = breakDisk(out, tmpfs);
  try {
    await produce(broker.plaintext, topic, batch(1000, 1000));
    await untilAsync('/ready 503', async () => (await ready(api)).status === 503, { ms: 20_000 });
    expect((await ready(api)).body.checks.outputs!.ok).toBe(false);

    // 600,000 more lines (all 200s, ≈ 60 MB) while the disk is full: they stay on the broker.
    await produce(broker.plaintext, topic, batch(2000, 600_000, false));
    let m = await metrics(api);
    let read = lines(m);
    let rssPaused = rssMiB(d.child.pid!);
    await untilAsync('the consumer stopped, the backlog on the broker', async () => {
      const before = read;
      m = await metrics(api);
      read = lines(m);
      rssPaused = Math.max(rssPaused, rssMiB(d.child.pid!));
      return read === before && lag(m) > 0;
    }, { ms: 30_000, everyMs: 1000 });
    console.info(`paused: ${read} lines read, lag ${lag(m)} messages, RSS ${rssBefore.toFixed(0)} → ${rssPaused.toFixed(0)} MiB`);
    expect(m.get('logpulse_backpressure_paused')).toBe(1);
    expect(read).toBeLessThan(602_000 / 2);
    expect(lag(m)).toBeGreaterThan(0);
    // Had it kept fetching, the backlog (≈ 60 MB of messages, more as JS objects) would be in memory.
    expect(rssPaused - rssBefore).toBeLessThan(96);

    heal();
    await untilAsync('resumed and every line read', async () => lines(await metrics(api)) === 602_000, { ms: 90_000 });
  } finally {
    heal();
  }
  await untilAsync('/ready 200 again', async () => (await ready(api)).status === 200, { ms: 20_000 });
  await produce(broker.plaintext, topic, batch(602_000, 1000));
  await untilAsync('batch C read', async () => lines(await metrics(api)) === 603_000, { ms: 30_000 });
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);

  expectEveryErrorOnce(out, 3000);
  for (const kind of ['errors', 'metrics', 'rejected']) {
    expect(readdirSync(join(out, kind)).filter((n) => n.endsWith('.part'))).toEqual([]);
  }
  const committed = await committedOffsets(broker.plaintext, group, topic, PARTITIONS);
  expect(committed.reduce((s, n) => s + n, 0)).toBe(603_000);
}, 240_000);
