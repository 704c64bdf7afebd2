// The real broker the Kafka tests use (started by test/global-setup.ts through scripts/kafka) and the few
// client calls the tests make on it: topics, reading a topic back, end and committed offsets, producing.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import type * as RdKafka from 'node-rdkafka';

const require = createRequire(import.meta.url);
const Kafka = require('node-rdkafka') as typeof RdKafka;

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const KAFKA_SCRIPT = `${ROOT}scripts/kafka`;

/**
 * The tests' own broker instance: its own port and data dir, so a developer's broker on 9092 is left alone.
 * LOGPULSE_TEST_KAFKA_PORT moves it (and its data dir), so two test runs on one machine do not share a broker.
 */
const TEST_PORT = Number(process.env.LOGPULSE_TEST_KAFKA_PORT ?? 19092);
export const TEST_BROKER = { port: TEST_PORT, dir: `${ROOT}.cache/kafka/test-${TEST_PORT}` };

export interface BrokerInfo {
  plaintext: string;
  saslSsl: string;
  caFile: string;
  plain: { mechanism: string; username: string; password: string };
  scram: { mechanism: string; username: string; password: string };
}

export function kafkaScript(command: string, instance: { port: number; dir: string } = TEST_BROKER): void {
  execFileSync(KAFKA_SCRIPT, [command], {
    env: { ...process.env, LOGPULSE_KAFKA_PORT: String(instance.port), LOGPULSE_KAFKA_DIR: instance.dir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export function brokerInfo(instance: { dir: string } = TEST_BROKER): BrokerInfo {
  return JSON.parse(readFileSync(`${instance.dir}/connection.json`, 'utf8')) as BrokerInfo;
}

async function withAdmin<T>(brokers: string, fn: (admin: RdKafka.IAdminClient) => Promise<T>): Promise<T> {
  const admin = Kafka.AdminClient.create({ 'metadata.broker.list': brokers });
  try {
    return await fn(admin);
  } finally {
    admin.disconnect();
  }
}

let topicSeq = 0;

/** A fresh topic for one test (so tests never see each other's messages). */
export async function createTopic(brokers: string, partitions: number): Promise<string> {
  const name = `t-${process.pid}-${Date.now()}-${topicSeq++}`;
  await withAdmin(brokers, (admin) =>
    new Promise<void>((resolve, reject) =>
      admin.createTopic({ topic: name, num_partitions: partitions, replication_factor: 1 }, 15_000, (err) => (err ? reject(err) : resolve())),
    ),
  );
  return name;
}

async function withConsumer<T>(brokers: string, group: string, fn: (c: RdKafka.KafkaConsumer) => Promise<T>): Promise<T> {
  const consumer = new Kafka.KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': group, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    return await fn(consumer);
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

export async function endOffsets(brokers: string, topic: string, partitions: number): Promise<number[]> {
  return withConsumer(brokers, `probe-${process.pid}`, async (c) => {
    const out: number[] = [];
    for (let p = 0; p < partitions; p++) {
      out.push(
        await new Promise<number>((resolve, reject) =>
          c.queryWatermarkOffsets(topic, p, 10_000, (err, w) => (err ? reject(err) : resolve(w.highOffset))),
        ),
      );
    }
    return out;
  });
}

/** The group's committed offset per partition (-1001 = none). */
export async function committedOffsets(brokers: string, group: string, topic: string, partitions: number): Promise<number[]> {
  return withConsumer(brokers, group, (c) =>
    new Promise((resolve, reject) =>
      c.committed(
        Array.from({ length: partitions }, (_, partition) => ({ topic, partition })),
        10_000,
        (err, tps) => (err ? reject(err) : resolve([...tps].sort((a, b) => a.partition - b.partition).map((tp) => tp.offset ?? -1001))),
      ),
    ),
  );
}

/** Every message value of every partition, in offset order (reads up to the end offsets at call time). */
export async function readTopic(brokers: string, topic: string, partitions: number): Promise<string[][]> {
  const ends = await endOffsets(brokers, topic, partitions);
  return withConsumer(brokers, `reader-${process.pid}-${Date.now()}`, async (c) => {
    const out: string[][] = Array.from({ length: partitions }, () => []);
    c.assign(ends.map((_, partition) => ({ topic, partition, offset: 0 })));
    const done = () => out.every((msgs, p) => msgs.length >= ends[p]!);
    const started = Date.now();
    while (!done()) {
      if (Date.now() - started > 60_000) throw new Error(`read ${out.map((m) => m.length).join('/')} of ${ends.join('/')} messages`);
      const batch = await new Promise<RdKafka.Message[]>((resolve, reject) => c.consume(10_000, (err, m) => (err && err.code !== -185 ? reject(err) : resolve(m ?? []))));
      for (const m of batch) if (m.offset < ends[m.partition]!) out[m.partition]!.push(m.value?.toString() ?? '');
    }
    return out;
  });
}

/** Produces `values` to one partition and waits for every delivery. */
export async function produceTo(brokers: string, topic: string, partition: number, values: string[]): Promise<void> {
  const producer = new Kafka.Producer({ 'metadata.broker.list': brokers, dr_cb: true });
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
  for (const v of values) producer.produce(topic, partition, Buffer.from(v), null);
  await new Promise<void>((resolve, reject) => producer.flush(30_000, (err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}

/** Lines sorted by event time: one ordered stream with the same windows as the partitions together. */
export function inEventTimeOrder(values: string[]): Buffer {
  const keyed = values.map((v) => ({ v, t: Date.parse((JSON.parse(v) as { timestamp: string }).timestamp) }));
  keyed.sort((a, b) => a.t - b.t);
  return Buffer.from(keyed.map((k) => `${k.v}\n`).join(''));
}

/** One far-future line per partition: the watermarks pass every window of the data, so all of them close. */
export async function closeAllWindows(brokers: string, topic: string, partitions: number): Promise<void> {
  const future = new Date(Date.now() + 120_000).toISOString().replace(/Z$/, '000Z');
  for (let p = 0; p < partitions; p++) {
    await produceTo(brokers, topic, p, [`{"timestamp": "${future}", "ip": "10.9.9.${p}", "method": "GET", "url": "/closer", "status": 200}`]);
  }
}
