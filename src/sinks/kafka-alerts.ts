// Alerts to a Kafka topic (SPEC §5, default `alerts`), JSON values keyed by rule so one rule's alerts stay in
// order on one partition. librdkafka retries each message until `message.timeout.ms`; a delivery report with
// an error re-queues the alert after a pause, for ever, so a broker outage delays alerts but never drops one.
import type * as RdKafka from 'node-rdkafka';

import { kafkaErrorText } from '../kafka/client-config.js';
import { rdkafka } from '../kafka/rdkafka.js';
import { Throttle } from '../kafka/throttle.js';
import type { Alert } from '../pipeline/output-port.js';

const RETRY_MS = 1000;

export interface KafkaAlertSinkOptions {
  topic: string;
  /** librdkafka global settings (brokers, security, credentials): see kafka/client-config.ts. */
  client: Record<string, string | number | boolean>;
  warn: (message: string, details?: Record<string, unknown>) => void;
}

export class KafkaAlertSink {
  readonly #o: KafkaAlertSinkOptions;
  readonly #producer: RdKafka.Producer;
  /** Produced, not yet confirmed: opaque id → value. */
  readonly #unconfirmed = new Map<number, { key: string; value: Buffer }>();
  #nextId = 0;
  readonly #connected: Promise<void>;
  readonly #warnings = new Throttle(10_000);

  constructor(options: KafkaAlertSinkOptions) {
    this.#o = options;
    this.#producer = new (rdkafka().Producer)({ ...options.client, dr_cb: true, 'enable.idempotence': true, 'linger.ms': 5, 'socket.nagle.disable': true });
    this.#producer.on('delivery-report', (err, report) => this.#onReport(err, report));
    this.#producer.on('event.error', (err: RdKafka.LibrdKafkaError) => {
      if (this.#warnings.due(err.message ?? '')) options.warn('kafka alerts: client error (retrying)', { error: kafkaErrorText(err) });
    });
    this.#connected = new Promise((resolve) => {
      this.#producer.connect({ timeout: 5000 }, (err) => {
        if (err) options.warn('kafka alerts: brokers not reachable yet; alerts are queued', { error: kafkaErrorText(err) });
        this.#producer.setPollInterval(100);
        resolve();
      });
    });
  }

  send(alert: Alert): void {
    this.#produce(alert.rule, Buffer.from(JSON.stringify(alert)));
  }

  /** Waits (up to `timeoutMs`) for every alert to be confirmed, then disconnects. */
  async close(timeoutMs: number): Promise<void> {
    if (!this.#producer.isConnected()) {
      if (this.#unconfirmed.size > 0) this.#o.warn('kafka alerts: brokers never reached; alerts are in alerts/ files only', { count: this.#unconfirmed.size });
      return;
    }
    const deadline = Date.now() + timeoutMs;
    while (this.#unconfirmed.size > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => this.#producer.flush(Math.max(1, Math.min(1000, deadline - Date.now())), () => resolve()));
    }
    if (this.#unconfirmed.size > 0) this.#o.warn('kafka alerts: some alerts were not confirmed before stop (they are in alerts/ files)', { count: this.#unconfirmed.size });
    await new Promise<void>((resolve) => this.#producer.disconnect(() => resolve()));
  }

  #produce(key: string, value: Buffer): void {
    const id = this.#nextId++;
    this.#unconfirmed.set(id, { key, value });
    void this.#connected.then(() => {
      try {
        this.#producer.produce(this.#o.topic, null, value, key, Date.now(), id);
      } catch (err) {
        this.#unconfirmed.delete(id);
        this.#o.warn('kafka alerts: produce failed; retrying', { error: kafkaErrorText(err as RdKafka.LibrdKafkaError) });
        setTimeout(() => this.#produce(key, value), RETRY_MS).unref();
      }
    });
  }

  #onReport(err: RdKafka.LibrdKafkaError | null, report: RdKafka.DeliveryReport): void {
    const id = report.opaque as number;
    const entry = this.#unconfirmed.get(id);
    if (!entry) return;
    this.#unconfirmed.delete(id);
    if (!err) return;
    this.#o.warn('kafka alerts: delivery failed; retrying', { error: kafkaErrorText(err) });
    setTimeout(() => this.#produce(entry.key, entry.value), RETRY_MS).unref();
  }
}
