// `logpulse gen --out kafka://BROKERS/TOPIC`: one message per line (no newline, no key), each block of lines to
// the next partition in turn so every partition gets its even share (librdkafka's sticky default fills one
// partition per 100k-message batch: 500k lines landed 17/41/42 %; a random partition per message spreads evenly
// but cost 30 % of the throughput), batched by librdkafka (linger, big batches, lz4). A full local queue is
// backpressure: the block waits for deliveries to make room. Delivery failures are counted and fail the run.
import type * as RdKafka from 'node-rdkafka';

import { CREDENTIALS_HINT, kafkaClientConfig, kafkaErrorText, type KafkaSecurity, usesSasl } from '../kafka/client-config.js';
import { rdkafka } from '../kafka/rdkafka.js';
import type { Output, Say } from './output.js';

const ERR_QUEUE_FULL = -184;
const NEWLINE = 0x0a;

export class KafkaOutput implements Output {
  closed = false;
  failure: Error | null = null;
  readonly #topic: string;
  readonly #producer: RdKafka.Producer;
  readonly #say: Say;
  #failedDeliveries = 0;
  #partitions = 1;
  #nextPartition = 0;
  readonly #sasl: boolean;

  constructor(brokers: string[], topic: string, security: KafkaSecurity, say: Say) {
    this.#topic = topic;
    this.#say = say;
    this.#sasl = usesSasl(security);
    this.#producer = new (rdkafka().Producer)({
      ...kafkaClientConfig(brokers, security),
      dr_cb: true,
      'linger.ms': 20,
      'batch.num.messages': 100_000,
      'batch.size': 4_000_000,
      'queue.buffering.max.messages': 1_000_000,
      'queue.buffering.max.kbytes': 512 * 1024,
      'compression.codec': 'lz4',
      'enable.idempotence': true,
    });
    this.#producer.on('delivery-report', (err) => {
      if (err) this.#failedDeliveries++;
    });
    this.#producer.on('event.error', (err: RdKafka.LibrdKafkaError) => say(`kafka: ${kafkaErrorText(err)}`));
  }

  connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#producer.connect({ timeout: 15_000 }, (err) => {
        // librdkafka's producer reports rejected credentials only as this failed connect.
        const hint = this.#sasl ? `; if they answer, ${CREDENTIALS_HINT}` : '';
        if (err) return reject(new Error(`cannot reach the Kafka brokers: ${kafkaErrorText(err)}${hint}`));
        this.#producer.setPollInterval(50);
        resolve();
      });
    }).then(() => this.#checkTopic());
  }

  /** A topic the brokers do not have is a clear error now, not librdkafka's "Unknown topic" on the first line. */
  #checkTopic(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#producer.getMetadata({ topic: this.#topic, timeout: 15_000 }, (err, metadata) => {
        if (err) return reject(new Error(`cannot read the metadata of topic ${this.#topic}: ${kafkaErrorText(err)}`));
        const topic = metadata.topics.find((t) => t.name === this.#topic);
        if (!topic || topic.partitions.length === 0) {
          this.#producer.disconnect();
          return reject(new Error(`topic ${this.#topic} does not exist on the brokers (create it first, e.g. scripts/kafka tool topics --create)`));
        }
        this.#partitions = topic.partitions.length;
        resolve();
      });
    });
  }

  ready(): null {
    return null;
  }

  async write(block: Buffer): Promise<void> {
    const partition = this.#nextPartition;
    this.#nextPartition = (partition + 1) % this.#partitions;
    let start = 0;
    while (start < block.length) {
      let end = block.indexOf(NEWLINE, start);
      if (end < 0) end = block.length;
      if (end > start && !this.#tryProduce(block.subarray(start, end), partition)) {
        // The local queue is full: let deliveries drain it, then retry the same line.
        this.#producer.poll();
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      start = end + 1;
    }
  }

  /** False when librdkafka's queue is full (the value was copied otherwise). */
  #tryProduce(value: Buffer, partition: number): boolean {
    try {
      this.#producer.produce(this.#topic, partition, value, null);
      return true;
    } catch (err) {
      if ((err as RdKafka.LibrdKafkaError).code === ERR_QUEUE_FULL) return false;
      throw err;
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => {
      this.#producer.flush(60_000, (err) => {
        if (err) this.failure ??= new Error(`kafka: not every message was delivered before close: ${kafkaErrorText(err)}`);
        // Reports of the last messages arrive with the final poll inside flush.
        this.#producer.poll();
        if (this.#failedDeliveries > 0) {
          this.failure ??= new Error(`kafka: ${this.#failedDeliveries} messages could not be delivered`);
          this.#say(this.failure.message);
        }
        this.#producer.disconnect(() => resolve());
      });
    });
  }
}
