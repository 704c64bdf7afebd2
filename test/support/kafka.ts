// A real Kafka broker (scripts/kafka: Apache Kafka, KRaft, jars from Maven Central on first use) and the few
// client calls tests and benches make on it: topics, producing, reading a topic back, end and committed offsets.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import type * as RdKafka from 'node-rdkafka';

import { ROOT } from './paths.js';

const require = createRequire(import.meta.url);
const Kafka = require('node-rdkafka') as typeof RdKafka;

export const KAFKA_SCRIPT = `${ROOT}scripts/kafka`;

/** One broker instance: PLAINTEXT on `port`, SASL_SSL on port + 1, its controller on port + 2; its own data dir. */
export interface BrokerInstance {
  port: number;
  dir: string;
}

/** An instance named `name` on `port`, its data under .cache/kafka/NAME-PORT (a port of its own, a dir of its own). */
export const brokerInstance = (name: string, port: number): BrokerInstance => ({ port, dir: `${ROOT}.cache/kafka/${name}-${port}` });

/**
 * The tests' own broker instance: its own port and data dir, so a developer's broker on 9092 is left alone.
 * LOGPULSE_TEST_KAFKA_PORT moves it (and its data dir), so two test runs on one machine do not share a broker.
 */
export const TEST_BROKER = brokerInstance('test', Number(process.env.LOGPULSE_TEST_KAFKA_PORT ?? 19092));

export interface BrokerInfo {
  plaintext: string;
  saslSsl: string;
  caFile: string;
  plain: { mechanism: string; username: string; password: string };
  scram: { mechanism: string; username: string; password: string };
}

/**
 * Runs `scripts/kafka COMMAND` (start, stop, clean, …) for `instance`. The script's stderr goes to ours, or with
 * `stderr: 'pipe'` into the error thrown when it fails (for a caller that reports the reason itself).
 */
export function kafkaScript(command: string, instance: BrokerInstance = TEST_BROKER, { stderr = 'inherit' }: { stderr?: 'inherit' | 'pipe' } = {}): void {
  try {
    execFileSync(KAFKA_SCRIPT, [command], {
      env: { ...process.env, LOGPULSE_KAFKA_PORT: String(instance.port), LOGPULSE_KAFKA_DIR: instance.dir },
      stdio: ['ignore', 'ignore', stderr],
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`scripts/kafka ${command} failed: ${e.stderr?.toString().trim().slice(-2000) || e.message}`);
  }
}

/** The instance's listeners and test users (written by `scripts/kafka start`). */
export function brokerInfo(instance: BrokerInstance = TEST_BROKER): BrokerInfo {
  return JSON.parse(readFileSync(`${instance.dir}/connection.json`, 'utf8')) as BrokerInfo;
}

async function withAdmin<T>(brokers: string, fn: (admin: RdKafka.IAdminClient, done: (err: unknown, value: T) => void) => void): Promise<T> {
  const admin = Kafka.AdminClient.create({ 'metadata.broker.list': brokers });
  try {
    return await new Promise<T>((resolve, reject) => fn(admin, (err, value) => (err ? reject(err) : resolve(value))));
  } finally {
    admin.disconnect();
  }
}

let topicSeq = 0;

/** A fresh topic named PREFIX-PID-TIME-SEQ (so runs never see each other's messages). */
export async function createTopic(brokers: string, partitions: number, prefix = 't'): Promise<string> {
  const name = `${prefix}-${process.pid}-${Date.now()}-${topicSeq++}`;
  await withAdmin<void>(brokers, (admin, done) =>
    admin.createTopic({ topic: name, num_partitions: partitions, replication_factor: 1 }, 15_000, (err) => done(err, undefined)),
  );
  return name;
}

export async function deleteTopic(brokers: string, topic: string): Promise<void> {
  await withAdmin<void>(brokers, (admin, done) => admin.deleteTopic(topic, 15_000, (err) => done(err, undefined)));
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

/** A producer writing `line(i)` to one partition at about `perSecond`, in real time, until stopped. */
export interface SteadyProducer {
  /** Messages handed to the producer so far. */
  readonly produced: number;
  stop(): Promise<void>;
}

export async function steadyProducer(brokers: string, topic: string, perSecond: number, line: (i: number) => string): Promise<SteadyProducer> {
  const producer = new Kafka.Producer({ 'metadata.broker.list': brokers, 'linger.ms': 1, 'socket.nagle.disable': true });
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(10);
  const began = performance.now();
  let produced = 0;
  // Every 5 ms, what the rate owes since the start: steady on average whatever the timer's jitter.
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - began) / 1000) * perSecond);
    for (; produced < due; produced++) producer.produce(topic, 0, Buffer.from(line(produced)), null);
  }, 5);
  return {
    get produced() {
      return produced;
    },
    async stop() {
      clearInterval(timer);
      await new Promise<void>((resolve) => producer.flush(10_000, () => resolve()));
      await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    },
  };
}
