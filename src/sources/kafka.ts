// `kafka://BROKERS/TOPIC?group=G` (SPEC §5): a consumer-group member on node-rdkafka. Each partition is one
// input stream (its own watermark) routed to the shard of its partition number. Offsets are never committed by
// librdkafka: the daemon commits `positions()` only after everything derived from those records is durable
// (outputs rotated into place and open windows checkpointed), so a crash replays, and never skips, records.
import type * as RdKafka from 'node-rdkafka';

import { LogpulseError } from '../errors.js';
import { fatalHint, isFatalKafkaError, kafkaErrorText } from '../kafka/client-config.js';
import { rdkafka } from '../kafka/rdkafka.js';
import { Throttle } from '../kafka/throttle.js';
import { alreadyStarted, type ReplayableSource, type SourceSink, type StreamPositions } from './source.js';

const ERR_ASSIGN = -175;
const ERR_REVOKE = -174;
/** Messages per consume call and how long one waits for them: big batches, bounded latency. */
const BATCH = 10_000;
const BATCH_WAIT_MS = 50;
const CONNECT_TIMEOUT_MS = 10_000;
const CONNECT_RETRY_MS = 1000;

export interface KafkaSourceOptions {
  uri: string;
  topic: string;
  group: string;
  /** librdkafka global settings (brokers, security, credentials): see kafka/client-config.ts. */
  client: Record<string, string | number | boolean>;
  startingOffsets: 'earliest' | 'latest';
  /** `latest`: read up to the end offsets seen at assignment, then end (a finite source). */
  endingOffsets: 'none' | 'latest';
}

const streamName = (topic: string, partition: number) => `${topic}/${partition}`;

export class KafkaSource implements ReplayableSource {
  readonly uri: string;
  readonly finite: boolean;
  readonly replayable = true as const;
  readonly #o: KafkaSourceOptions;
  #consumer: RdKafka.KafkaConsumer | null = null;
  #sink: SourceSink | null = null;
  /** Next offset per partition of what was handed to the sink (and so is in the pipeline's state). */
  readonly #positions = new Map<number, number>();
  /** Partitions being consumed now (assigned and not revoked). */
  readonly #assigned = new Set<number>();
  /** Finite mode: end offset per assigned partition, and the partitions already ended. */
  readonly #ends = new Map<number, number>();
  readonly #ended = new Set<number>();
  /** Checkpointed or handed-over positions: each partition resumes at least there when assigned to this process. */
  #resume: StreamPositions = {};
  #paused = false;
  #held = false;
  #stopped = false;
  #consuming = false;
  /** Messages fetched while held or paused, delivered (in order) on release or resume. */
  #waiting: RdKafka.Message[] = [];
  #rebalancing: Promise<void> = Promise.resolve();
  #fatal: ((err: Error) => void) | null = null;
  /** Rejects a `start()` still waiting for the brokers (a stop during start-up). */
  #abortStart: (() => void) | null = null;
  readonly #warnings = new Throttle(10_000);

  constructor(options: KafkaSourceOptions) {
    this.uri = options.uri;
    this.finite = options.endingOffsets === 'latest';
    this.#o = options;
  }

  resumeFrom(positions: StreamPositions): void {
    this.#resume = { ...positions };
  }

  positions(): StreamPositions {
    const out: StreamPositions = {};
    for (const [p, next] of this.#positions) out[streamName(this.#o.topic, p)] = next;
    return out;
  }

  async commit(positions: StreamPositions, confirmed: boolean): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === null || this.#stopped) return;
    const prefix = `${this.#o.topic}/`;
    const list = Object.entries(positions)
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, offset]) => ({ topic: this.#o.topic, partition: Number(name.slice(prefix.length)), offset }));
    if (list.length === 0) return;
    // A failure (broker away, group rebalancing) is reported and the next cut commits newer offsets, which
    // cover these. Periodic commits are asynchronous: commitSync blocks the event loop (API, alerts, sinks)
    // for as long as the coordinator does not answer; their result arrives as an 'offset.commit' event.
    try {
      if (confirmed) consumer.commitSync(list);
      else consumer.commit(list);
    } catch (err) {
      this.#commitFailed(err as RdKafka.LibrdKafkaError);
    }
  }

  #commitFailed(err: RdKafka.LibrdKafkaError): void {
    if (this.#warnings.due(`commit ${err.code}`)) this.#sink?.warn('kafka: offset commit failed; the next commit covers it', { error: kafkaErrorText(err) });
  }

  start(sink: SourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) return Promise.reject(alreadyStarted(this.uri));
    this.#sink = sink;
    const consumer = new (rdkafka().KafkaConsumer)(
      {
        ...this.#o.client,
        'group.id': this.#o.group,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        // Eager protocol: a rebalance revokes everything, the daemon commits, then takes its new share.
        'partition.assignment.strategy': 'range,roundrobin',
        // Bigger fetches than librdkafka's 1 MB per partition, a smaller prefetch queue than its 64 MB: measured
        // with a bare node-rdkafka loop, 159 k msgs/s at 201 MB RSS (defaults: 144 k at 188 MB; 8 MB / 64 MB
        // fetches: 182 k at 438 MB).
        'max.partition.fetch.bytes': 2 * 1024 * 1024,
        'fetch.max.bytes': 16 * 1024 * 1024,
        'queued.max.messages.kbytes': 8192,
        offset_commit_cb: true,
        rebalance_cb: (err: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]) => this.#onRebalance(err, assignment),
      },
      { 'auto.offset.reset': this.#o.startingOffsets },
    );
    this.#consumer = consumer;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) {
          this.#fatal?.(err);
          return;
        }
        settled = true;
        consumer.disconnect();
        reject(err);
      };
      this.#fatal ??= (err) => sink.warn(err.message, { fatal: true });
      this.#abortStart = () => fail(new LogpulseError('LP_ERR_STOPPED', `${this.uri}: stopped before the brokers were reached`));
      consumer.on('offset.commit', (err: RdKafka.LibrdKafkaError | undefined) => {
        if (err && !this.#stopped) this.#commitFailed(err);
      });
      consumer.on('event.error', (err: RdKafka.LibrdKafkaError) => {
        if (isFatalKafkaError(err)) {
          fail(new LogpulseError('LP_ERR_KAFKA', `${fatalHint(err)} (${kafkaErrorText(err)})`));
        } else if (!this.#stopped && this.#warnings.due(err.message ?? '')) {
          sink.warn('kafka: client error (retrying)', { error: kafkaErrorText(err) });
        }
      });
      // A broker that is down at start-up is waited for (retried, with a warning each time); rejected
      // credentials arrive as an error event just before the failed connect and end the start.
      const connect = (): void => {
        if (this.#stopped) return;
        consumer.connect({ timeout: CONNECT_TIMEOUT_MS }, (err) => {
          if (settled || this.#stopped) return;
          if (err) {
            sink.warn(`kafka: cannot reach the brokers yet; retrying in ${CONNECT_RETRY_MS} ms`, { source: this.uri, error: kafkaErrorText(err) });
            setTimeout(connect, CONNECT_RETRY_MS);
            return;
          }
          settled = true;
          this.#abortStart = null;
          consumer.setDefaultConsumeTimeout(BATCH_WAIT_MS);
          consumer.subscribe([this.#o.topic]);
          this.#consumeMore();
          resolve();
        });
      };
      connect();
    });
  }

  /** Called with an Error the daemon must stop for (authentication failed after start). */
  onFatal(handler: (err: Error) => void): void {
    this.#fatal = handler;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#consumeMore();
  }

  hold(): void {
    this.#held = true;
  }

  release(): void {
    this.#held = false;
    this.#consumeMore();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abortStart?.();
    await this.#rebalancing.catch(() => undefined);
    const consumer = this.#consumer;
    if (consumer === null) return;
    await new Promise<void>((resolve) => {
      if (!consumer.isConnected()) return resolve();
      consumer.disconnect(() => resolve());
    });
  }

  // --- consuming ----------------------------------------------------------------------------------------------

  #consumeMore(): void {
    const consumer = this.#consumer;
    if (consumer === null || this.#stopped || this.#paused || this.#held) return;
    if (this.#waiting.length > 0) {
      const batch = this.#waiting;
      this.#waiting = [];
      this.#deliver(batch);
      if (this.#paused || this.#held) return;
    }
    if (this.#consuming) return;
    this.#consuming = true;
    consumer.consume(BATCH, (err, messages) => {
      this.#consuming = false;
      if (this.#stopped) return;
      if (err && !isTimeout(err)) this.#sink?.warn('kafka: consume failed (retrying)', { error: kafkaErrorText(err) });
      // A batch that lands while held (a durable cut is reading positions and state) or paused waits here:
      // handing it over now would put records in the state that the cut's positions do not cover.
      if (!err && messages.length > 0) {
        if (this.#held || this.#paused) {
          this.#waiting.push(...messages);
        } else {
          // The next batch is fetched on libuv's thread while this one is joined and handed over on this one
          // (first any older waiting messages, then this batch: order is kept).
          this.#consumeMore();
          this.#deliver(messages);
        }
      }
      // Delivered data may have paused us (backpressure) or held us (a durable cut): then the next batch waits.
      if (err && !isTimeout(err)) setTimeout(() => this.#consumeMore(), 200);
      else setImmediate(() => this.#consumeMore());
    });
  }

  /**
   * Joins each partition's messages into one chunk of lines (a value without a final newline gets one) and
   * hands it over. Messages of partitions no longer assigned are dropped: their new owner reads them from the
   * committed offset. Offsets only move forward.
   */
  #deliver(messages: RdKafka.Message[]): void {
    const byPartition = new Map<number, RdKafka.Message[]>();
    for (const m of messages) {
      if (!this.#assigned.has(m.partition) || this.#ended.has(m.partition)) continue;
      let list = byPartition.get(m.partition);
      if (!list) byPartition.set(m.partition, (list = []));
      list.push(m);
    }
    for (const [partition, list] of byPartition) {
      const end = this.#ends.get(partition) ?? Infinity;
      // Below the next expected offset: already handed over. One consume call that spans a rebalance returns
      // the records prefetched for the old assignment and then the same offsets again, fetched anew from the
      // committed offset, in one batch (seen: offsets 33908-34464 twice); a batch fetched before a rebalance can
      // also arrive after the partition was re-fetched. Either way each offset counts once.
      let next = this.#positions.get(partition) ?? -1;
      const kept: RdKafka.Message[] = [];
      for (const m of list) {
        if (m.offset < next || m.offset >= end) continue;
        kept.push(m);
        next = m.offset + 1;
      }
      if (kept.length > 0) {
        let bytes = 0;
        for (const m of kept) if (m.value) bytes += m.value.length + 1;
        const chunk = Buffer.allocUnsafeSlow(bytes);
        let at = 0;
        for (const m of kept) {
          if (!m.value || m.value.length === 0) continue;
          at += m.value.copy(chunk, at);
          if (m.value[m.value.length - 1] !== 0x0a) chunk[at++] = 0x0a;
        }
        this.#positions.set(partition, kept[kept.length - 1]!.offset + 1);
        if (at > 0) this.#sink!.data(streamName(this.#o.topic, partition), at === chunk.length ? chunk : chunk.subarray(0, at), partition);
      }
      this.#checkEnd(partition);
    }
  }

  /** Finite mode: a partition that reached its end offset ends its stream; the last one ends the source. */
  #checkEnd(partition: number): void {
    const end = this.#ends.get(partition);
    if (end === undefined || this.#ended.has(partition)) return;
    if ((this.#positions.get(partition) ?? -1) < end) return;
    this.#ended.add(partition);
    this.#sink!.streamEnd(streamName(this.#o.topic, partition));
    if (this.#assigned.size > 0 && [...this.#assigned].every((p) => this.#ended.has(p))) this.#sink!.end();
  }

  // --- rebalancing --------------------------------------------------------------------------------------------

  #onRebalance(err: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]): void {
    const consumer = this.#consumer!;
    const run = async () => {
      if (err?.code === ERR_ASSIGN) await this.#assign(consumer, assignment);
      else if (err?.code === ERR_REVOKE) await this.#revoke(consumer);
      else this.#sink?.warn('kafka: rebalance failed', { error: kafkaErrorText(err) });
    };
    // One rebalance step at a time, in order.
    this.#rebalancing = this.#rebalancing.then(run).catch((e: unknown) => {
      this.#sink?.warn('kafka: rebalance step failed', { error: (e as Error).message });
    });
  }

  /** Starts each partition at max(committed, checkpointed position); finite mode also learns its end offset. */
  async #assign(consumer: RdKafka.KafkaConsumer, assignment: RdKafka.Assignment[]): Promise<void> {
    const partitions = assignment.map((a) => a.partition);
    const committed = await new Promise<Map<number, number>>((resolve) => {
      consumer.committed(assignment.map((a) => ({ topic: a.topic, partition: a.partition })), 10_000, (e, tps) => {
        const m = new Map<number, number>();
        if (!e) for (const tp of tps ?? []) if (typeof tp.offset === 'number' && tp.offset >= 0) m.set(tp.partition, tp.offset);
        resolve(m);
      });
    });
    const list: RdKafka.Assignment[] = [];
    for (const p of partitions) {
      const fromCheckpoint = this.#resume[streamName(this.#o.topic, p)];
      const fromGroup = committed.get(p);
      const start = fromCheckpoint === undefined ? fromGroup : Math.max(fromCheckpoint, fromGroup ?? 0);
      list.push(start === undefined ? { topic: this.#o.topic, partition: p } : { topic: this.#o.topic, partition: p, offset: start });
      if (start !== undefined) this.#positions.set(p, start);
    }
    if (this.finite) {
      for (const p of partitions) {
        const w = await new Promise<RdKafka.WatermarkOffsets | null>((resolve) =>
          consumer.queryWatermarkOffsets(this.#o.topic, p, 10_000, (e, offsets) => resolve(e ? null : offsets)),
        );
        if (w === null) throw new Error(`cannot read the end offset of ${streamName(this.#o.topic, p)}`);
        this.#ends.set(p, w.highOffset);
        if (!this.#positions.has(p)) this.#positions.set(p, this.#o.startingOffsets === 'earliest' ? w.lowOffset : w.highOffset);
      }
    }
    for (const p of partitions) this.#assigned.add(p);
    if (this.#stopped) return;
    consumer.assign(list);
    for (const p of partitions) this.#sink?.declare?.(streamName(this.#o.topic, p), p);
    this.#sink?.info?.('kafka: partitions assigned', { topic: this.#o.topic, partitions });
    for (const p of partitions) this.#checkEnd(p);
  }

  /**
   * Before giving partitions up: their streams end, the daemon makes everything derived from them durable and
   * commits (the sink's `handOff`), and only then the group moves them, so the next owner starts where this
   * process stopped: nothing lost, nothing counted twice.
   */
  async #revoke(consumer: RdKafka.KafkaConsumer): Promise<void> {
    const partitions = [...this.#assigned];
    this.#assigned.clear();
    if (this.#stopped) {
      // Leaving the group at stop: the daemon already made everything durable and committed.
      try {
        consumer.unassign();
      } catch {
        // Already disconnected.
      }
      return;
    }
    const streams = partitions.filter((p) => !this.#ended.has(p)).map((p) => streamName(this.#o.topic, p));
    for (const s of streams) this.#sink?.streamEnd(s);
    if (this.#sink?.handOff) await this.#sink.handOff(streams);
    for (const p of partitions) {
      // Remembered in case the group gives the partition back: a commit that failed during the rebalance
      // must not make this process read again what its state already holds.
      const at = this.#positions.get(p);
      if (at !== undefined) this.#resume[streamName(this.#o.topic, p)] = at;
      this.#positions.delete(p);
      this.#ends.delete(p);
      this.#ended.delete(p);
    }
    try {
      consumer.unassign();
    } catch {
      // Not connected any more (stopping): nothing to give back.
    }
  }
}

function isTimeout(err: RdKafka.LibrdKafkaError): boolean {
  return err.code === -185; // ERR__TIMED_OUT
}
