// `kafka://BROKERS/TOPIC?group=G` (SPEC §5): a consumer-group member on node-rdkafka. Each partition is one
// input stream (its own watermark) routed to the shard of its partition number. Offsets are never committed by
// librdkafka: the daemon commits `positions()` only after everything derived from those records is durable
// (outputs rotated into place and open windows checkpointed), so a crash replays, and never skips, records.
//
// This file is the consumer's life: connecting, consuming in batches, pausing and holding, committing, stopping.
// What it holds of each partition and how fetched messages are handed over: kafka-partitions.ts; what happens
// when the group moves partitions: kafka-rebalance.ts.
import type * as RdKafka from 'node-rdkafka';

import { LogpulseError } from '../errors.js';
import { fatalHint, isFatalKafkaError, kafkaErrorText } from '../kafka/client-config.js';
import { rdkafka } from '../kafka/rdkafka.js';
import { Throttle } from '../kafka/throttle.js';
import { backlogAfter, ConsumeBatchSize } from './kafka-batch-size.js';
import { KafkaPartitions } from './kafka-partitions.js';
import { Rebalancer } from './kafka-rebalance.js';
import { alreadyStarted, type PartitionLag, type ReplayableSource, type SourceSink, type StreamPositions } from './source.js';

/**
 * How long a consume call waits for its next message: ends a call whose messages stopped coming (the count per call
 * follows the rate: kafka-batch-size.ts). An idle consumer polls this often.
 */
const CONSUME_WAIT_MS = 10;
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

export class KafkaSource implements ReplayableSource {
  readonly uri: string;
  readonly finite: boolean;
  readonly replayable = true as const;
  readonly #o: KafkaSourceOptions;
  #consumer: RdKafka.KafkaConsumer | null = null;
  #sink: SourceSink | null = null;
  readonly #partitions: KafkaPartitions;
  readonly #rebalancer: Rebalancer;
  #paused = false;
  #held = false;
  #stopped = false;
  #consuming = false;
  /** Messages the next consume call asks for: what arrives in a few milliseconds at the rate seen. */
  readonly #batch = new ConsumeBatchSize();
  /** Messages fetched while held or paused, delivered (in order) on release or resume. */
  #waiting: RdKafka.Message[] = [];
  #fatal: ((err: Error) => void) | null = null;
  /** Rejects a `start()` still waiting for the brokers (a stop during start-up). */
  #abortStart: (() => void) | null = null;
  readonly #warnings = new Throttle(10_000);

  constructor(options: KafkaSourceOptions) {
    this.uri = options.uri;
    this.finite = options.endingOffsets === 'latest';
    this.#o = options;
    this.#partitions = new KafkaPartitions(options.topic);
    this.#rebalancer = new Rebalancer({
      partitions: this.#partitions,
      finite: this.finite,
      startingOffsets: options.startingOffsets,
      sink: () => this.#sink,
      stopped: () => this.#stopped,
    });
  }

  resumeFrom(positions: StreamPositions): void {
    this.#partitions.resume = { ...positions };
  }

  positions(): StreamPositions {
    return this.#partitions.streamPositions();
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

  /**
   * Per assigned partition whose position is known (read from, or started at a committed or checkpointed offset):
   * the high watermark librdkafka last saw minus the next offset handed to the pipeline. The watermark is
   * librdkafka's cached one (updated with every fetch response, so as fresh as the last fetch): a local read at
   * scrape time, no broker request, nothing parsed. Messages fetched but waiting (held, paused) count as lag.
   */
  consumerLag(): PartitionLag[] {
    const consumer = this.#consumer;
    if (consumer === null || this.#stopped || !consumer.isConnected()) return [];
    const topic = this.#o.topic;
    const out: PartitionLag[] = [];
    for (const partition of this.#partitions.assigned) {
      const position = this.#partitions.positions.get(partition);
      if (position === undefined) continue;
      const high = this.#highWatermark(consumer, partition);
      if (high >= 0) out.push({ topic, partition, lag: Math.max(0, high - position) });
    }
    return out;
  }

  /** librdkafka's cached high watermark of `partition` (a local read); -1 before its first fetch. */
  #highWatermark(consumer: RdKafka.KafkaConsumer, partition: number): number {
    try {
      return consumer.getWatermarkOffsets(this.#o.topic, partition).highOffset;
    } catch {
      return -1;
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
        // Once that queue is full librdkafka waits this long before fetching again (default 1 s): a daemon behind
        // drained the 8 MB in about half of it and then waited. 1 M messages, one partition, read to the end:
        // median of 8 alternated pairs 0.78 of the wall time (best runs 8.7 s vs 14.8 s), peak RSS +12 MiB.
        'fetch.queue.backoff.ms': 10,
        // A fetch request is a small packet: Nagle's algorithm would hold it for the broker's delayed ACK.
        'socket.nagle.disable': true,
        offset_commit_cb: true,
        rebalance_cb: (err: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]) => this.#rebalancer.onRebalance(this.#consumer!, err, assignment),
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
          consumer.setDefaultConsumeTimeout(CONSUME_WAIT_MS);
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
    await this.#rebalancer.settled().catch(() => undefined);
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
      this.#partitions.deliver(batch, this.#sink!);
      if (this.#paused || this.#held) return;
    }
    if (this.#consuming) return;
    this.#consuming = true;
    const asked = this.#batch.next;
    const began = performance.now();
    consumer.consume(asked, (err, messages) => {
      this.#consuming = false;
      if (!err || isTimeout(err)) {
        const got = messages?.length ?? 0;
        this.#batch.observe(asked, got, performance.now() - began, got === asked ? backlogAfter(messages, (p) => this.#highWatermark(consumer, p)) : 0);
      }
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
          this.#partitions.deliver(messages, this.#sink!);
        }
      }
      // Delivered data may have paused us (backpressure) or held us (a durable cut): then the next batch waits.
      if (err && !isTimeout(err)) setTimeout(() => this.#consumeMore(), 200);
      else setImmediate(() => this.#consumeMore());
    });
  }
}

function isTimeout(err: RdKafka.LibrdKafkaError): boolean {
  return err.code === -185; // ERR__TIMED_OUT
}
