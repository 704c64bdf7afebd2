// The Kafka series of /metrics on the real broker: the consumer lag per partition (librdkafka's cached high
// watermark minus the next offset handed to the pipeline) of a KafkaSource held while messages arrive, and a
// daemon reading a topic: records by source kind, lag 0 per partition once caught up, full durable cuts timed,
// the checkpoint's fsyncs, partials files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { KafkaSource } from '../../src/sources/kafka.js';
import type { PartitionLag } from '../../src/sources/source.js';
import { apiUrl } from '../api/helpers.js';
import { pollMetrics, type Samples, series } from '../api/prom-text.js';
import { type CliProcess, spawnCli } from '../support/cli.js';
import { brokerInfo, createTopic, produceTo } from '../support/kafka.js';
import { CLI } from '../support/paths.js';
import { sleep } from '../support/wait.js';
import { RecordingSink } from '../sources/recording-sink.js';

const values = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `line ${from + i}`);

/** Polls `read` every 100 ms until `done` holds (at most 30 s); returns the last value either way. */
async function pollValue<T>(read: () => T, done: (v: T) => boolean): Promise<T> {
  let v = read();
  for (const started = Date.now(); !done(v) && Date.now() - started < 30_000; v = read()) await sleep(100);
  return v;
}

const byPartition = (lags: PartitionLag[]) => Object.fromEntries(lags.map((l) => [l.partition, l.lag]));

describe('KafkaSource.consumerLag', () => {
  it('is 0 per partition once read; while held, what arrives since is the lag of its partition; 0 again once released', async () => {
    const broker = brokerInfo();
    const topic = await createTopic(broker.plaintext, 2);
    await produceTo(broker.plaintext, topic, 0, values(300));
    await produceTo(broker.plaintext, topic, 1, values(200));
    const source = new KafkaSource({
      uri: `kafka://${broker.plaintext}/${topic}`,
      topic,
      group: `lag-${process.pid}`,
      client: { 'metadata.broker.list': broker.plaintext },
      startingOffsets: 'earliest',
      endingOffsets: 'none',
    });
    const sink = new RecordingSink();
    try {
      expect(source.consumerLag()).toEqual([]); // not started
      await source.start(sink);
      const lines = () => sink.text(`${topic}/0`).split('\n').length - 1 + sink.text(`${topic}/1`).split('\n').length - 1;
      expect(await pollValue(lines, (n) => n === 500)).toBe(500);
      expect(byPartition(await pollValue(() => source.consumerLag(), (l) => l.length === 2))).toEqual({ 0: 0, 1: 0 });

      source.hold();
      await produceTo(broker.plaintext, topic, 0, values(120, 300));
      const held = await pollValue(() => byPartition(source.consumerLag()), (l) => l[0] === 120);
      expect(held).toEqual({ 0: 120, 1: 0 });
      expect(lines()).toBe(500); // held: nothing handed over

      source.release();
      expect(await pollValue(() => byPartition(source.consumerLag()), (l) => l[0] === 0)).toEqual({ 0: 0, 1: 0 });
      expect(lines()).toBe(620);
      expect(sink.violations).toEqual([]);
    } finally {
      await source.stop();
    }
    expect(source.consumerLag()).toEqual([]); // stopped
  });
});

describe('a daemon reading Kafka', () => {
  let d: CliProcess | undefined;
  afterAll(async () => {
    if (!d) return;
    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr()).toBe(0);
  });

  it('records by source kind, lag 0 on every partition once caught up, full cuts timed, the checkpoint fsynced at each cut', async () => {
    const broker = brokerInfo();
    const topic = await createTopic(broker.plaintext, 3);
    const count = 20_000;
    const gen = spawnSync(process.execPath, [CLI, 'gen', '--rate', '0', '--count', String(count), '--seed', '5', '--start', '2025-06-09T00:00:00Z', '--step', '10', '--stats', '--out', `kafka://${broker.plaintext}/${topic}`], { encoding: 'utf8' });
    expect(gen.status, gen.stderr).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-kafka-metrics-'));
    writeFileSync(join(dir, 'c.yaml'), 'api:\n  port: 0\nconsole:\n  enabled: false\noutput:\n  rotateEvery: 1s\n');
    const source = `kafka://${broker.plaintext}/${topic}?group=metrics&startingOffsets=earliest`;
    d = spawnCli(['run', '-c', join(dir, 'c.yaml'), '--source', source, '--output', join(dir, 'out'), '--checkpoint', join(dir, 'cp')], { cwd: dir, stdout: 'ignore' });
    const url = await apiUrl(d);
    const lag = (s: Samples) => Object.fromEntries([...series(s, 'logpulse_kafka_consumer_lag')]);
    const want = Object.fromEntries([0, 1, 2].map((p) => [`{topic="${topic}",partition="${p}"}`, 0]));
    const cuts = (s: Samples) => s.get('logpulse_durable_cut_duration_seconds_count{kind="full"}') ?? 0;
    const m = await pollMetrics(
      url,
      (s) => s.get('logpulse_lines_total{source="kafka"}') === count && JSON.stringify(lag(s)) === JSON.stringify(want) && cuts(s) >= 2,
    );
    expect(m.get('logpulse_lines_total{source="kafka"}')).toBe(count);
    expect(m.get('logpulse_records_total{source="kafka"}')).toBe(count);
    expect(lag(m)).toEqual(want);
    expect(cuts(m)).toBeGreaterThanOrEqual(2);
    expect(m.get('logpulse_durable_cut_failures_total{kind="full"}')).toBe(0);
    // Every full cut held the source, and let it go before its files and checkpoint were fsynced.
    const holds = m.get('logpulse_source_hold_duration_seconds_count')!;
    expect(holds).toBeGreaterThanOrEqual(cuts(m));
    expect(m.get('logpulse_source_hold_duration_seconds_sum')!).toBeLessThan(m.get('logpulse_durable_cut_duration_seconds_sum{kind="full"}')!);
    // Each cut writes the checkpoint (file and directory fsynced); one may be under way while scraped.
    const checkpointFsyncs = m.get('logpulse_fsync_duration_seconds_count{kind="checkpoint"}')!;
    expect(checkpointFsyncs).toBeGreaterThanOrEqual(2 * cuts(m));
    expect(checkpointFsyncs).toBeLessThanOrEqual(2 * (cuts(m) + 1));
    expect(m.get('logpulse_output_files_total{kind="partials"}')).toBeGreaterThanOrEqual(0);
  });
});
