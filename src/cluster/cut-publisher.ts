// A durable cut's records go on the state topic in one Kafka transaction: the owners and feeds read committed
// records only (librdkafka's default `isolation.level`), so the group sees a session's cut whole or not at all.
// A restart can then tell exactly which of its cuts the group has (the session's newest progress `seq`) and put its
// files back to that one (daemon/cluster-rollback.ts) — a half-published cut would leave window state no file
// matches. The transactional id is the daemon's own across restarts (kept in its checkpoint dir): a restarted daemon
// fences its killed predecessor and aborts the transaction it left open at once, instead of the group's readers
// waiting out `transaction.timeout.ms` behind it.
import type * as RdKafka from 'node-rdkafka';

import { LogpulseError } from '../errors.js';
import { kafkaErrorText } from '../kafka/client-config.js';
import { rdkafka } from '../kafka/rdkafka.js';
import { produceRecord, type StateRecord } from './state-records.js';

const CONNECT_TIMEOUT_MS = 15_000;
/** An open transaction of a daemon killed for good blocks the readers this long at most. */
const TRANSACTION_TIMEOUT_MS = 10_000;
/** Kafka's CLUSTER_AUTHORIZATION_FAILED and TRANSACTIONAL_ID_AUTHORIZATION_FAILED. */
const NOT_AUTHORIZED = new Set([31, 53]);

type Done = (err: RdKafka.LibrdKafkaError | null | undefined) => void;

export class CutPublisher {
  readonly #topic: string;
  readonly #settings: Record<string, string | number | boolean>;
  /** Null until `connect`, and again after a failure that left it unusable (the next publish starts over). */
  #producer: Promise<RdKafka.Producer> | null = null;
  #records = 0;
  #bytes = 0;

  constructor(topic: string, client: Record<string, string | number | boolean>, transactionalId: string) {
    this.#topic = topic;
    this.#settings = {
      ...client,
      'transactional.id': transactionalId,
      'transaction.timeout.ms': TRANSACTION_TIMEOUT_MS,
      'linger.ms': 2,
      'socket.nagle.disable': true,
      'compression.type': 'lz4',
    };
  }

  /**
   * Connects and aborts what an earlier run with the same id left open (LP_ERR_CLUSTER when it cannot). Started
   * early, awaited by the first publish: the transaction coordinator's first answer can take most of a second.
   */
  connect(): Promise<RdKafka.Producer> {
    this.#producer ??= this.#connect(CONNECT_TIMEOUT_MS);
    this.#producer.catch(() => (this.#producer = null));
    return this.#producer;
  }

  async #connect(timeoutMs: number): Promise<RdKafka.Producer> {
    const Kafka = rdkafka();
    const producer = new Kafka.Producer(this.#settings);
    try {
      await call((done) => producer.connect({ timeout: timeoutMs }, (err) => done(err as RdKafka.LibrdKafkaError | null)));
      producer.setPollInterval(10);
      await call((done) => producer.initTransactions(timeoutMs, done));
    } catch (err) {
      producer.disconnect(() => undefined);
      const e = err as RdKafka.LibrdKafkaError;
      const grant = NOT_AUTHORIZED.has(e.code) ? ` — grant this principal WRITE and DESCRIBE on the transactional id ${String(this.#settings['transactional.id'])}` : '';
      throw new LogpulseError('LP_ERR_CLUSTER', `cluster: cannot start publishing on ${this.#topic}${grant} (${kafkaErrorText(e)})`);
    }
    return producer;
  }

  /** Publishes the records atomically; resolves once the transaction is committed. Rejects with LP_ERR_CLUSTER (nothing of them is visible then). */
  async publish(records: readonly (readonly [number, StateRecord])[], timeoutMs: number): Promise<void> {
    const producer = await this.connect();
    try {
      await call((done) => producer.beginTransaction(done));
      for (const [partition, record] of records) {
        this.#bytes += produceRecord(producer, this.#topic, partition, record);
        this.#records++;
      }
      await call((done) => producer.commitTransaction(timeoutMs, done));
    } catch (err) {
      // Aborted, the producer can go on; when even that fails it is replaced (a new one with the same id fences it).
      await call((done) => producer.abortTransaction(timeoutMs, done)).catch(() => this.#drop());
      throw new LogpulseError('LP_ERR_CLUSTER', `cluster: publishing a cut failed (${kafkaErrorText(err as RdKafka.LibrdKafkaError)})`);
    }
  }

  /** Records and bytes (values and keys, before compression) published so far. */
  get sent(): { records: number; bytes: number } {
    return { records: this.#records, bytes: this.#bytes };
  }

  async close(): Promise<void> {
    await this.#drop();
  }

  async #drop(): Promise<void> {
    const connecting = this.#producer;
    this.#producer = null;
    const producer = await connecting?.catch(() => null);
    if (producer) await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

/** A node-rdkafka callback call as a promise. */
function call(f: (done: Done) => void): Promise<void> {
  return new Promise((resolve, reject) => f((err) => (err ? reject(err) : resolve())));
}
