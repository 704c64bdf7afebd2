// The state topic of a cluster (README "Cluster mode"): its name, its creation, and the producer that publishes a
// cut's records and says when every one of them is on the brokers (the cut commits source offsets only then).
import type * as RdKafka from 'node-rdkafka';

import { LogpulseError } from '../errors.js';
import { kafkaErrorText } from '../kafka/client-config.js';
import { rdkafka } from '../kafka/rdkafka.js';
import { produceRecord, type StateRecord } from './state-records.js';

const ADMIN_TIMEOUT_MS = 15_000;
/** librdkafka's code for a topic that exists already. */
const TOPIC_ALREADY_EXISTS = 36;
/** Codes that mean the principal may not do it: the daemon says what to grant. */
const NOT_AUTHORIZED = new Set([29, 30, 31]);

/** `cluster.topic`, or `logpulse-state.<group>` with what a topic name cannot hold replaced by `_`. */
export function stateTopicName(configured: string, group: string): string {
  if (configured !== '') return configured;
  return `logpulse-state.${group}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 249);
}

export interface StateTopicOptions {
  topic: string;
  partitions: number;
  retentionMs: number;
  /** librdkafka global settings (brokers, security, credentials). */
  client: Record<string, string | number | boolean>;
}

/**
 * Creates the topic when missing: compacted (a window's or session's newest record replaces the older ones) and
 * deleted after `retentionMs`. Resolves with its partition count, and whether this call created it. Throws
 * LP_ERR_CLUSTER naming what to grant when the daemon may not create or describe it.
 */
export async function ensureStateTopic(o: StateTopicOptions): Promise<{ partitions: number; created: boolean }> {
  let created = false;
  const Kafka = rdkafka();
  const admin = Kafka.AdminClient.create({ ...o.client });
  try {
    await new Promise<void>((resolve, reject) =>
      admin.createTopic(
        {
          topic: o.topic,
          num_partitions: o.partitions,
          replication_factor: -1,
          config: { 'cleanup.policy': 'compact,delete', 'retention.ms': String(o.retentionMs), 'min.compaction.lag.ms': '0' },
        },
        ADMIN_TIMEOUT_MS,
        (err) => {
          if (err && err.code !== TOPIC_ALREADY_EXISTS) return reject(err);
          created = !err;
          resolve();
        },
      ),
    );
  } catch (err) {
    throw clusterError(o.topic, 'create', err as RdKafka.LibrdKafkaError);
  } finally {
    admin.disconnect();
  }
  return { partitions: await partitionCount(o.client, o.topic, 'state'), created };
}

/**
 * How many partitions `topic` has — the state topic, or the source topic whose partitions the group reads (each error
 * names which) — LP_ERR_CLUSTER when it cannot be described or has none.
 */
export async function partitionCount(client: Record<string, string | number | boolean>, topic: string, role: 'state' | 'source'): Promise<number> {
  const producer = new (rdkafka().Producer)({ ...client });
  try {
    await new Promise<void>((resolve, reject) => producer.connect({ timeout: ADMIN_TIMEOUT_MS }, (err) => (err ? reject(err) : resolve())));
    const meta = await new Promise<RdKafka.Metadata>((resolve, reject) =>
      producer.getMetadata({ topic, timeout: ADMIN_TIMEOUT_MS }, (err, m) => (err ? reject(err) : resolve(m))),
    );
    const t = meta.topics.find((x) => x.name === topic);
    if (!t || t.partitions.length === 0) throw new LogpulseError('LP_ERR_CLUSTER', `cluster: the ${role} topic ${topic} has no partitions the daemon can see`);
    return t.partitions.length;
  } catch (err) {
    if (err instanceof LogpulseError) throw err;
    const kafkaErr = err as RdKafka.LibrdKafkaError;
    if (role === 'state') throw clusterError(topic, 'describe', kafkaErr);
    throw new LogpulseError('LP_ERR_CLUSTER', `cluster: cannot describe the source topic ${topic} (${kafkaErrorText(kafkaErr)})`);
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

function clusterError(topic: string, what: string, err: RdKafka.LibrdKafkaError): LogpulseError {
  const grant = NOT_AUTHORIZED.has(err.code)
    ? ` — grant this principal CREATE and DESCRIBE on topic ${topic} (or create it, compacted, yourself), WRITE and READ on it, and READ on group <group>.logpulse-owners`
    : '';
  return new LogpulseError('LP_ERR_CLUSTER', `cluster: cannot ${what} the state topic ${topic}${grant} (${kafkaErrorText(err)})`);
}

/** Publishes state records; `flush` resolves once every record sent so far is acknowledged by the brokers. */
export class StateProducer {
  readonly #topic: string;
  readonly #producer: RdKafka.Producer;
  #unconfirmed = 0;
  /** Records and bytes (values and keys, before compression) sent so far: the state traffic, logged at stop. */
  #records = 0;
  #bytes = 0;
  #failure: Error | null = null;
  #waiters: (() => void)[] = [];
  readonly #connected: Promise<void>;

  constructor(topic: string, client: Record<string, string | number | boolean>) {
    this.#topic = topic;
    const Kafka = rdkafka();
    // Idempotent: a retried batch is not written twice and the records of one partition stay in order — an owner
    // must read a session's window records before the progress record that follows them.
    this.#producer = new Kafka.Producer({ ...client, dr_cb: true, 'enable.idempotence': true, 'linger.ms': 2, 'socket.nagle.disable': true, 'compression.type': 'lz4' });
    this.#producer.on('delivery-report', (err) => {
      this.#unconfirmed--;
      if (err) this.#failure ??= new Error(kafkaErrorText(err));
      if (this.#unconfirmed === 0) for (const w of this.#waiters.splice(0)) w();
    });
    this.#connected = new Promise((resolve, reject) => {
      this.#producer.connect({ timeout: ADMIN_TIMEOUT_MS }, (err) => {
        if (err) return reject(new LogpulseError('LP_ERR_CLUSTER', `cluster: cannot reach the brokers to publish state (${kafkaErrorText(err)})`));
        this.#producer.setPollInterval(10);
        resolve();
      });
    });
    this.#connected.catch(() => undefined);
  }

  connected(): Promise<void> {
    return this.#connected;
  }

  send(partition: number, record: StateRecord): void {
    this.#bytes += produceRecord(this.#producer, this.#topic, partition, record);
    this.#unconfirmed++;
    this.#records++;
  }

  /** What was published so far. */
  get sent(): { records: number; bytes: number } {
    return { records: this.#records, bytes: this.#bytes };
  }

  /** Every record sent so far is acknowledged; rejects (once) if one of them failed: the cut must not commit. */
  async flush(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve) => this.#producer.flush(timeoutMs, () => resolve()));
    if (this.#unconfirmed > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const failure = this.#failure;
    this.#failure = null;
    if (failure) throw new LogpulseError('LP_ERR_CLUSTER', `cluster: publishing state failed (${failure.message})`);
    if (this.#unconfirmed > 0) throw new LogpulseError('LP_ERR_CLUSTER', `cluster: ${this.#unconfirmed} state records not acknowledged in ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#producer.disconnect(() => resolve()));
  }
}
