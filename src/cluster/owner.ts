// The windows this daemon owns for its group: the state-topic partitions the owners' consumer group gives it
// (`<group>.logpulse-owners`). Each assigned partition is read from its start (nothing is committed: the topic is
// compacted and short-lived, and a new owner needs every window still open), its window records kept per key
// (newest wins), and a window is merged, written and judged by the alert rules once every source partition is read
// by a session past it (group-view.ts) — as one daemon reading every partition would. A `c/` record then tells any
// later owner that it was written.
import type * as RdKafka from 'node-rdkafka';

import type { AlertRule } from '../config/types.js';
import { kafkaErrorText } from '../kafka/client-config.js';
import { rdkafka } from '../kafka/rdkafka.js';
import { consumeSoon, disconnectWithin } from './state-consumer.js';
import { Throttle } from '../kafka/throttle.js';
import { AlertEngine, rateRuleOptions } from '../pipeline/alert-engine.js';
import type { Alert, OutputPort } from '../pipeline/output-port.js';
import { mergeWindow } from './merge-window.js';
import { forgetOldWritten, newOwned, type Owned } from './owned-partition.js';
import type { OwnerOptions } from './owner-options.js';
import { QuietPartitions } from './quiet-partitions.js';
import { RunningSlots } from './running-slots.js';
import { decodeRecord, ownProgressSince, recordKey, type RunningRecord, type StateRecord } from './state-records.js';

/** librdkafka's RD_KAFKA_OFFSET_BEGINNING. */
const OFFSET_BEGINNING = -2;
export class ClusterOwner {
  readonly #o: OwnerOptions;
  /** The running generation's outputs once it is ready (its restart removed what a replay writes again); else null: nothing is written. */
  #out: OutputPort | null = null;
  #session: string;
  #rules: AlertRule[];
  #early: boolean;
  readonly #consumer: RdKafka.KafkaConsumer;
  readonly #quiet: QuietPartitions;
  readonly #owned = new Map<number, Owned>();
  #alerts: AlertEngine;
  readonly #slots = new RunningSlots();
  readonly #warnings = new Throttle(10_000);
  #windowsWritten = 0;
  #stopped = false;
  /** Its partitions are revoked and wait for a cut before they go: nothing more is written or fired. */
  #handingOff = false;
  /** Owned partitions not yet read to their end once since they were assigned. */
  readonly #behind = new Set<number>();
  /**
   * What this owner wrote (rows, alerts, written windows) since the last durable cut, with its state partition: the
   * next cut publishes it, once its files are durable (an owner killed before wrote files its restart deletes).
   */
  #unpublished: [partition: number, record: StateRecord][] = [];
  /** The windows written on each partition this owner held before the last revoke (should it get them back). */
  #wrote = new Map<number, Set<number>>();

  constructor(o: OwnerOptions) {
    this.#o = o;
    this.#session = o.session;
    this.#rules = o.rules;
    this.#early = o.earlyAlerts;
    this.#alerts = new AlertEngine(o.rules, o.earlyAlerts, o.windowUs);
    const Kafka = rdkafka();
    this.#consumer = new Kafka.KafkaConsumer(
      {
        ...o.client,
        'group.id': `${o.group}.logpulse-owners`,
        'enable.auto.commit': false,
        'socket.nagle.disable': true,
        'fetch.wait.max.ms': 50, // librdkafka's 500 made 1 early alert in 100 ~550 ms late (bench:cluster latency)
        'enable.partition.eof': true,
        rebalance_cb: (err: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]) => this.#rebalance(err, assignment),
      },
      { 'auto.offset.reset': 'earliest' },
    );
    const consumer = this.#consumer;
    const nudge = (tps: RdKafka.TopicPartition[]) => tps.forEach((tp) => consumer.queryWatermarkOffsets(tp.topic, tp.partition, 5000, () => undefined));
    this.#quiet = new QuietPartitions({ topic: o.topic, alone: o.alone, pause: (tp) => consumer.pause(tp), resume: (tp) => consumer.resume(tp), nudge });
    this.#consumer.on('data', (m) => this.#message(m));
    this.#consumer.on('partition.eof', (e: { partition: number }) => {
      this.#caughtUp(e.partition);
      if (this.#owned.has(e.partition) && !this.#behind.has(e.partition)) this.#quiet.atEnd(e.partition);
    });
    this.#consumer.on('event.error', (err) => {
      if (this.#warnings.due(err.message)) o.log.warn({ error: kafkaErrorText(err) }, 'cluster: state topic consumer error (retrying)');
    });
  }

  /** A reload's next generation: its outputs, session and rules (null: between two generations). */
  setGeneration(g: { out: OutputPort; session: string; rules: AlertRule[]; earlyAlerts: boolean } | null): void {
    this.#out = g?.out ?? null;
    if (g === null) return;
    if (g.session !== this.#session) this.#quiet.newSession();
    this.#session = g.session;
    this.#rules = g.rules;
    this.#early = g.earlyAlerts;
    this.#alerts.setRules(g.rules, g.earlyAlerts);
    this.#drain(); // what came due while nothing was written
  }

  /** This session's cut `seq` is on the topic: partitions paused while alone read it. */
  published(seq: number): void {
    this.#quiet.published(seq);
  }

  /** Another daemon showed up: every partition is fetched again (its running counts come on the topic). */
  wake(): void {
    this.#quiet.wake();
  }

  /** Windows written by this daemon as their owner. */
  get windowsWritten(): number {
    return this.#windowsWritten;
  }

  /** Per owned partition: windows waiting, and how far behind the wall clock its drain point is (null: none yet). */
  lag(nowUs: number): { partition: number; windows: number; lagSeconds: number | null; catchingUp: boolean; generation: boolean }[] {
    return [...this.#owned].map(([partition, o]) => {
      const through = o.view.drainThroughUs();
      const lagSeconds = through === null ? null : Math.max(0, (nowUs - through) / 1e6);
      return { partition, windows: o.windows.size, lagSeconds, catchingUp: this.#behind.has(partition), generation: this.#out !== null };
    });
  }

  /** State-topic partitions this daemon owns now. */
  get partitions(): number[] {
    return [...this.#owned.keys()].sort((a, b) => a - b);
  }

  /** Resolves true once every owned partition has no window left and its sessions are all past the end of time. */
  async allWritten(waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const done = this.#owned.size > 0 && [...this.#owned.values()].every((o) => o.windows.size === 0 && o.view.drainThroughUs() === Number.MAX_SAFE_INTEGER);
      if (done) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.#consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
    this.#consumer.subscribe([this.#o.topic]);
    consumeSoon(this.#consumer);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#out = null;
    await disconnectWithin(this.#consumer);
  }

  #rebalance(err: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]): void {
    this.#quiet.reset();
    if (err.code === rdkafka().CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
      // Every owned partition is read again from its start: what the group knew comes back from there; what this
      // owner itself wrote and fired is kept (its records, sent at the revoke, may not be readable yet).
      const fired = this.#alerts.state().fired;
      this.#alerts = new AlertEngine(this.#rules, this.#early, this.#o.windowUs);
      this.#alerts.adopt({ running: [], fired }, null);
      for (const a of assignment) {
        this.#owned.set(a.partition, newOwned(this.#wrote.get(a.partition)));
        this.#behind.add(a.partition);
      }
      // From the start of each partition: its open windows are all there, and its progress records.
      this.#consumer.assign(assignment.map((a) => ({ topic: a.topic, partition: a.partition, offset: OFFSET_BEGINNING })));
      this.#o.log.info({ partitions: this.partitions }, 'cluster: owning these state partitions');
      return;
    }
    void this.#revoke();
  }

  /**
   * Its partitions go to new owners, which read them from their start: what this one wrote must be there by then, or
   * they would write it again. A durable cut publishes it (its files durable first: a kill before loses nothing, the
   * group never counting written what a restart deletes), then the group moves them; meanwhile nothing is written.
   */
  async #revoke(): Promise<void> {
    this.#handingOff = true;
    try {
      await (this.#stopped ? null : this.#o.cut?.());
    } catch (err) {
      if (this.#warnings.due('revoke cut')) this.#o.log.warn({ error: (err as Error).message }, 'cluster: the cut before giving state partitions up failed; what this owner wrote is sent without it');
    }
    // Nothing left when the cut published it; else (no cut could run) sent now — not once stopping (the last cut took it).
    if (!this.#stopped) for (const [partition, r] of this.#unpublished) this.#o.producer.send(partition, r);
    this.#unpublished = [];
    this.#handingOff = false;
    this.#wrote = new Map([...this.#owned].map(([partition, o]) => [partition, o.written]));
    this.#owned.clear();
    this.#behind.clear();
    this.#consumer.unassign();
    this.#o.revoked?.();
  }

  #message(m: RdKafka.Message): void {
    if (this.#stopped || m.value === null) return;
    const owned = this.#owned.get(m.partition);
    const r = decodeRecord(m.value);
    if (owned === undefined || r === null) return;
    if (r.t === 's') return this.#runningRecord(m.partition, owned, r);
    if (ownProgressSince(r, m.timestamp, this.#session, owned.assignedAt)) this.#caughtUp(m.partition);
    if (r.t === 'p' && r.session === this.#session) this.#quiet.ownProgress(m.partition, r.seq);
    this.#take(owned, r);
    if (r.t === 'p') this.#drain();
  }

  /** The partition is read to its end once since its assignment: what waited (running counts, a drain) goes on. */
  #caughtUp(partition: number): void {
    const owned = this.#owned.get(partition);
    if (!owned || !this.#behind.delete(partition)) return;
    for (const r of owned.pending.values()) if (!owned.written.has(r.startUs)) this.#running(partition, r);
    owned.pending.clear();
    this.#drain();
  }

  /** This daemon's own running counts for a partition it owns now, in-process (no trip through the brokers); false: not owned. */
  takeRunning(partition: number, r: RunningRecord): boolean {
    const owned = this.#owned.get(partition);
    if (this.#stopped || owned === undefined) return false;
    this.#runningRecord(partition, owned, r);
    return true;
  }

  #runningRecord(partition: number, owned: Owned, r: RunningRecord): void {
    if (owned.written.has(r.startUs)) return;
    if (this.#behind.has(partition)) owned.pending.set(recordKey(r), r);
    else this.#running(partition, r);
  }

  /** A shard's running counts of an open window: an early alert when the group's sum crosses a threshold. */
  #running(partition: number, r: RunningRecord): void {
    // Between two generations nothing fires: the counts are cumulative, the next record carries them again.
    const out = this.#out;
    if (out === null || this.#handingOff) return;
    const slot = this.#slots.slotOf(r.session, r.shard);
    if (slot === null) return;
    const counts = r.counts.map(([status, count]) => ({ windowStartUs: r.startUs, status, count }));
    for (const alert of this.#alerts.onStatusCounts(slot, counts)) this.#fire(out, partition, r.startUs, alert);
  }

  #fire(out: OutputPort, partition: number, startUs: number, alert: Alert): void {
    out.alert(alert);
    this.#unpublished.push([partition, { t: 'a', startUs, key: `${alert.rule}|${startUs}|${alert.group}`, session: this.#session, alert }]);
  }

  /** What was written since the last cut (see `#unpublished`), for the cut being taken. */
  takeUnpublished(): [number, StateRecord][] {
    const taken = this.#unpublished;
    this.#unpublished = [];
    return taken;
  }

  /** A cut failed to publish: its records go with the next one. */
  putBack(records: [number, StateRecord][]): void {
    this.#unpublished = [...records, ...this.#unpublished];
  }

  #take(owned: Owned, r: StateRecord): void {
    if (r.t === 'p') {
      owned.view.update(r);
    } else if (r.t === 'c') {
      owned.written.add(r.startUs);
      owned.windows.delete(r.startUs);
    } else if (r.t === 'x') {
      for (const slot of this.#slots.retire(r.session)) this.#alerts.forgetShard(slot);
    } else if (r.t === 'a') {
      this.#alerts.adopt({ running: [], fired: [r.key] }, null);
    } else if (r.t === 'w' && !owned.written.has(r.startUs)) {
      let w = owned.windows.get(r.startUs);
      if (!w) owned.windows.set(r.startUs, (w = { endUs: r.endUs, parts: new Map() }));
      w.parts.set(recordKey(r), r.partial);
    }
  }

  /**
   * Merges and writes, oldest first, every window the least advanced owned partition's progress says is complete
   * (each partition's progress is read after its window records): in order, as from one daemon, even when one
   * progress makes several due at once. Not while catching up: a written window's c/ record is not read yet.
   */
  #drain(): void {
    const out = this.#out;
    if (out === null || this.#handingOff || this.#behind.size > 0 || this.#owned.size === 0) return;
    const points = [...this.#owned.values()].map((o) => o.view.drainThroughUs());
    if (points.includes(null)) return;
    const through = Math.min(...(points as number[]));
    const due = [...this.#owned].flatMap(([partition, owned]) => [...owned.windows].filter(([, w]) => w.endUs <= through).map(([startUs, w]) => ({ partition, owned, startUs, w })));
    for (const { partition, owned, startUs, w } of due.sort((a, b) => a.startUs - b.startUs)) {
      const drained = mergeWindow(w.parts, { maxUrlsPerWindow: this.#o.maxUrlsPerWindow, ...rateRuleOptions(this.#rules) }, (key, err) => {
        if (this.#warnings.due(`merge ${key}`)) this.#o.log.warn({ key, error: err.message }, 'cluster: a window state on the state topic cannot be merged; skipped');
      });
      out.closedWindows(drained.rows, drained.windows);
      this.#unpublished.push([partition, { t: 'r', startUs, session: this.#session, rows: drained.rows }]);
      for (const alert of this.#alerts.onClosedWindows(drained.windows)) this.#fire(out, partition, startUs, alert);
      owned.windows.delete(startUs);
      owned.written.add(startUs);
      this.#windowsWritten++;
      this.#unpublished.push([partition, { t: 'c', startUs }]);
    }
    for (const owned of this.#owned.values()) forgetOldWritten(owned);
  }
}
