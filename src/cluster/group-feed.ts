// What the other daemons of the group wrote, for this daemon's HTTP API (`/windows`, `/alerts`, `/events`, the
// dashboard): every state partition is read from its start (the topic keeps `cluster.retention`) by a consumer that
// joins no group, and the rows (`r/`) and alerts (`a/`) other sessions published go to the API's observer as if
// this daemon had written them — it lists the group's windows and alerts, not its own share. Nothing is written to
// this daemon's output files: each row and alert is in the files of the daemon that wrote it.
import type * as RdKafka from 'node-rdkafka';

import { kafkaErrorText } from '../kafka/client-config.js';
import { rdkafka } from '../kafka/rdkafka.js';
import { Throttle } from '../kafka/throttle.js';
import type { Logger } from '../log.js';
import type { Alert } from '../pipeline/output-port.js';
import { decodeRecord } from './state-records.js';

/** librdkafka's RD_KAFKA_OFFSET_BEGINNING. */
const OFFSET_BEGINNING = -2;

export interface FeedObserver {
  windowRows(rows: Buffer): void;
  alert(alert: Alert): void;
}

export interface GroupFeedOptions {
  topic: string;
  partitions: number;
  client: Record<string, string | number | boolean>;
  /** This daemon's session: what it wrote reaches its API through its own outputs. */
  session: string;
  /** The API's observer when the API runs (read at each record: it may come after the start). */
  observer: () => FeedObserver | null;
  log: Logger;
}

export class GroupFeed {
  readonly #consumer: RdKafka.KafkaConsumer;
  readonly #o: GroupFeedOptions;
  readonly #warnings = new Throttle(10_000);
  #session: string;

  constructor(o: GroupFeedOptions) {
    this.#o = o;
    this.#session = o.session;
    const Kafka = rdkafka();
    // librdkafka wants a group id even for a consumer that only assigns: one of its own, never joined or committed.
    this.#consumer = new Kafka.KafkaConsumer({ ...o.client, 'group.id': `logpulse-feed.${o.session}`, 'enable.auto.commit': false, 'fetch.wait.max.ms': 50 }, {});
    this.#consumer.on('data', (m) => this.#message(m));
    this.#consumer.on('event.error', (err) => {
      if (this.#warnings.due(err.message)) o.log.warn({ error: kafkaErrorText(err) }, 'cluster: group feed consumer error (retrying)');
    });
  }

  /** A rebuild's new session: its own rows reach its API through its outputs. */
  setSession(session: string): void {
    this.#session = session;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.#consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
    this.#consumer.assign(Array.from({ length: this.#o.partitions }, (_, partition) => ({ topic: this.#o.topic, partition, offset: OFFSET_BEGINNING })));
    this.#consumer.consume();
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      this.#consumer.disconnect(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  #message(m: RdKafka.Message): void {
    const observer = this.#o.observer();
    if (observer === null || m.value === null) return;
    const r = decodeRecord(m.value);
    if (r === null) return;
    if (r.t === 'r' && r.session !== this.#session) observer.windowRows(r.rows);
    else if (r.t === 'a' && r.alert && r.session !== undefined && r.session !== this.#session) observer.alert(r.alert);
  }
}
