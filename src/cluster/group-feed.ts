// The whole state topic as this daemon reads it, by a consumer that joins no group (so it reads at once, without the
// few seconds a group join takes): every partition from its start (the topic keeps `cluster.retention`).
//   - The group as it stands (group-view.ts, from every progress record): the watermark this daemon's shards wait
//     for, and where the published state of each source partition ends — a just-assigned partition starts there,
//     once the feed has read every partition to its end (`caughtUp`).
//   - What the other daemons wrote, for this daemon's HTTP API (`/windows`, `/alerts`, `/events`, the dashboard):
//     the rows (`r/`) and alerts (`a/`) other sessions published go to the API's observer as if this daemon had
//     written them, so it lists the group's, not its share. Nothing goes to this daemon's output files: each row and
//     alert is in the files of the daemon that wrote it.
import type * as RdKafka from 'node-rdkafka';

import { kafkaErrorText } from '../kafka/client-config.js';
import { rdkafka } from '../kafka/rdkafka.js';
import { consumeSoon, disconnectWithin } from './state-consumer.js';
import { Throttle } from '../kafka/throttle.js';
import type { Logger } from '../log.js';
import type { Alert } from '../pipeline/output-port.js';
import { GroupView } from './group-view.js';
import { decodeRecord, ownProgressSince } from './state-records.js';

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
  /**
   * This daemon created the topic just now: nothing was published before, so there is nothing to catch up on (a new
   * topic's first fetch can take seconds while its leaders settle, and every assignment would wait for it).
   */
  created: boolean;
  /** How long another daemon's last progress keeps this one from counting itself alone (owner.ts pauses when alone). */
  othersWithinMs: number;
  /** Another daemon's progress read, none having been read for `othersWithinMs` before it. */
  otherShowedUp: () => void;
}

export class GroupFeed {
  readonly #consumer: RdKafka.KafkaConsumer;
  readonly #o: GroupFeedOptions;
  readonly #warnings = new Throttle(10_000);
  #session: string;
  /** Every progress record read, from any partition. */
  readonly view = new GroupView();
  /** Partitions not read to their end yet. */
  readonly #behind = new Set<number>();
  #waiters: (() => void)[] = [];
  #stopped = false;
  #startedAt = 0;
  /** When another session's newest progress read was stamped (its clock, ms). */
  #otherAt = -Infinity;

  constructor(o: GroupFeedOptions) {
    this.#o = o;
    this.#session = o.session;
    const Kafka = rdkafka();
    // librdkafka wants a group id even for a consumer that only assigns: one of its own, never joined or committed.
    // fetch.wait.max.ms stays librdkafka's 500: a new record ends a waiting fetch at once, and 20 ms (tried) kept the
    // broker busy answering empty fetches — on a 2-core box that cost a bounded read 10 % of its speed.
    this.#consumer = new Kafka.KafkaConsumer({ ...o.client, 'group.id': `logpulse-feed.${o.session}`, 'enable.auto.commit': false, 'enable.partition.eof': true }, {});
    this.#consumer.on('data', (m) => this.#message(m));
    this.#consumer.on('partition.eof', (e: { partition: number }) => this.#caughtUpOn(e.partition));
    this.#consumer.on('event.error', (err) => {
      if (this.#warnings.due(err.message)) o.log.warn({ error: kafkaErrorText(err) }, 'cluster: group feed consumer error (retrying)');
    });
  }

  /** A rebuild's new session: its own rows reach its API through its outputs. */
  setSession(session: string): void {
    this.#session = session;
  }

  /** Resolves once every partition was read to its end once (or after `waitMs`, or at stop). */
  async caughtUp(waitMs: number): Promise<void> {
    if (this.#stopped || this.#behind.size === 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, waitMs);
      this.#waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Whether no other session published progress in the last `othersWithinMs`: this daemon reads the whole source. */
  alone(): boolean {
    return Date.now() - this.#otherAt > this.#o.othersWithinMs;
  }

  async start(): Promise<void> {
    if (!this.#o.created) for (let p = 0; p < this.#o.partitions; p++) this.#behind.add(p);
    this.#startedAt = Date.now();
    await new Promise<void>((resolve, reject) => this.#consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
    this.#consumer.assign(Array.from({ length: this.#o.partitions }, (_, partition) => ({ topic: this.#o.topic, partition, offset: OFFSET_BEGINNING })));
    consumeSoon(this.#consumer);
  }

  /**
   * Read to the end once: librdkafka's end-of-partition event, or this session's own progress published after the
   * start (the member sends one at its start: the event can fail to come on a partition written to all the time).
   */
  #caughtUpOn(partition: number): void {
    this.#behind.delete(partition);
    if (this.#behind.size === 0) for (const w of this.#waiters.splice(0)) w();
  }

  #other(atMs: number): void {
    const wasAlone = this.alone();
    this.#otherAt = Math.max(this.#otherAt, atMs);
    if (wasAlone && !this.alone()) this.#o.otherShowedUp();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#waiters.splice(0)) w();
    await disconnectWithin(this.#consumer);
  }

  #message(m: RdKafka.Message): void {
    if (m.value === null) return;
    // Window states (`w/`, a sketch of up to 16 KiB each) and running counts are the owners' to decode, not the feed's.
    const kind = Buffer.isBuffer(m.key) ? m.key.toString('latin1', 0, 2) : typeof m.key === 'string' ? m.key.slice(0, 2) : '';
    if (kind !== 'p/' && kind !== 'r/' && kind !== 'a/') return;
    const r = decodeRecord(m.value);
    if (r === null) return;
    if (ownProgressSince(r, m.timestamp, this.#session, this.#startedAt)) this.#caughtUpOn(m.partition);
    if (r.t === 'p') {
      if (r.session !== this.#session) this.#other(m.timestamp ?? 0);
      return this.view.update(r);
    }
    const observer = this.#o.observer();
    if (observer === null) return;
    if (r.t === 'r' && r.session !== this.#session) observer.windowRows(r.rows);
    else if (r.t === 'a' && r.alert && r.session !== undefined && r.session !== this.#session) observer.alert(r.alert);
  }
}
