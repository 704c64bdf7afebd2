// `kafka://BROKERS/TOPIC?group=G` (SPEC §5): a consumer-group member. Each partition is one input stream (its own
// watermark) routed to the shard of its partition number. Offsets are never committed by librdkafka: the daemon
// commits `positions()` only after everything derived from those records is durable (outputs rotated into place
// and open windows checkpointed), so a crash replays, and never skips, records.
//
// The consumer is librdkafka driven from Rust (native/binding/src/kafka/): each poll hands over one chunk of lines
// per partition, not an object per message (issue 15: node-rdkafka's consume loop peaked at 128-182 k messages/s).
// A poll waits for its first message only, then takes what is already fetched: a record is never held back to
// fill a batch (issue 18), and a backlog is read in chunks of up to POLL_MAX_BYTES.
//
// This file is the consumer's life: connecting, polling, pausing and holding, committing, stopping. What it holds
// of each partition and how chunks are handed over: kafka-partitions.ts; what happens when the group moves
// partitions: kafka-rebalance.ts.
import { LogpulseError } from '../errors.js';
import { fatalHint, isFatalKafkaError, kafkaErrorText } from '../kafka/client-config.js';
import { Throttle } from '../kafka/throttle.js';
import { KafkaConsumer, type KafkaError, type KafkaEvent, type KafkaPollResult } from '../native.js';
import { KafkaPartitions } from './kafka-partitions.js';
import { Rebalancer } from './kafka-rebalance.js';
import { alreadyStarted, type PartitionLag, type ReplayableSource, type SourceProgress, type SourceSink, type StreamPositions } from './source.js';

/** How long a poll waits for a first message: how often an idle consumer goes round (a message ends it at once). */
export const POLL_WAIT_MS = 100;
/** A poll returns once it holds this many bytes of lines: chunks of about a MiB, the size the pipeline parses best. */
export const POLL_MAX_BYTES = 2 * 1024 * 1024;
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
  #consumer: KafkaConsumer | null = null;
  #connected = false;
  #sink: SourceSink | null = null;
  readonly #partitions: KafkaPartitions;
  readonly #rebalancer: Rebalancer;
  #paused = false;
  #held = false;
  #stopped = false;
  /** The poll in flight, if any (stop waits for it before closing). */
  #polling: Promise<void> | null = null;
  /** Polled while held or paused, delivered (in order) on release or resume. */
  #waiting: KafkaPollResult[] = [];
  #fatal: ((err: Error) => void) | null = null;
  /** Rejects a `start()` still waiting for the brokers (a stop during start-up). */
  #abortStart: (() => void) | null = null;
  readonly #warnings = new Throttle(10_000);
  #published: ((partition: number) => Promise<number | undefined>) | null = null;

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
      published: () => this.#published,
    });
  }

  resumeFrom(positions: StreamPositions): void {
    this.#partitions.resume = { ...positions };
  }

  positions(): StreamPositions {
    return this.#partitions.streamPositions();
  }

  /** Cluster mode: each assigned partition starts at least where the group's published state of it ends. */
  setPublishedPositions(published: ((partition: number) => Promise<number | undefined>) | null): void {
    this.#published = published;
  }

  claims(): number[] {
    return [...this.#partitions.assigned].sort((a, b) => a - b);
  }

  /** `endingOffsets=latest`: records handed over of those up to the end offsets (the progress display). */
  progress(): SourceProgress | null {
    return this.finite ? this.#partitions.progress() : null;
  }

  async commit(positions: StreamPositions, confirmed: boolean): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === null || this.#stopped || !this.#connected) return;
    const prefix = `${this.#o.topic}/`;
    const list = Object.entries(positions)
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, offset]) => ({ partition: Number(name.slice(prefix.length)), offset }));
    if (list.length === 0) return;
    // A failure (broker away, group rebalancing) is reported and the next cut commits newer offsets, which cover
    // these. Periodic commits are asynchronous (their failure comes back as a poll event); a confirmed one waits
    // for the coordinator, off the event loop.
    const err = await consumer.commit(list, confirmed);
    if (err) this.#commitFailed(err);
  }

  /**
   * Per assigned partition whose position is known (read from, or started at a committed or checkpointed offset):
   * the high watermark librdkafka last saw minus the next offset handed to the pipeline. The watermark is
   * librdkafka's cached one (updated with every fetch response, so as fresh as the last fetch): a local read at
   * scrape time, no broker request, nothing parsed. Records polled but waiting (held, paused) count as lag.
   */
  consumerLag(): PartitionLag[] {
    const consumer = this.#consumer;
    if (consumer === null || this.#stopped || !this.#connected) return [];
    const topic = this.#o.topic;
    const out: PartitionLag[] = [];
    for (const partition of this.#partitions.assigned) {
      const position = this.#partitions.positions.get(partition);
      if (position === undefined) continue;
      const high = consumer.cachedHighWatermark(partition);
      if (high >= 0) out.push({ topic, partition, lag: Math.max(0, high - position) });
    }
    return out;
  }

  #commitFailed(err: KafkaError): void {
    if (this.#warnings.due(`commit ${err.code}`)) this.#sink?.warn('kafka: offset commit failed; the next commit covers it', { error: kafkaErrorText(err) });
  }

  async start(sink: SourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) throw alreadyStarted(this.uri);
    this.#sink = sink;
    this.#fatal ??= (err) => sink.warn(err.message, { fatal: true });
    const consumer = new KafkaConsumer(this.#o.topic, consumerConfig(this.#o));
    this.#consumer = consumer;
    const stopped = new Promise<never>((_, reject) => {
      this.#abortStart = () => reject(new LogpulseError('LP_ERR_STOPPED', `${this.uri}: stopped before the brokers were reached`));
    });
    stopped.catch(() => undefined);
    // A broker that is down at start-up is waited for (retried, with a warning each time); rejected credentials
    // arrive as an error event before the failed connect and end the start.
    for (;;) {
      const r = await Promise.race([consumer.connect(CONNECT_TIMEOUT_MS), stopped]);
      const fatal = [...r.events.flatMap((e) => (e.kind === 'error' && e.error ? [e.error] : [])), ...(r.error ? [r.error] : [])].find(isFatalKafkaError);
      if (fatal) {
        await consumer.close();
        throw fatalError(fatal);
      }
      if (!r.error) break;
      sink.warn(`kafka: cannot reach the brokers yet; retrying in ${CONNECT_RETRY_MS} ms`, { source: this.uri, error: kafkaErrorText(r.error) });
      await Promise.race([new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS)), stopped]);
    }
    this.#abortStart = null;
    this.#connected = true;
    consumer.subscribe();
    this.#consumeMore();
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
    await this.#polling;
    await consumer.close();
  }

  // --- polling ------------------------------------------------------------------------------------------------

  #consumeMore(): void {
    const consumer = this.#consumer;
    if (consumer === null || this.#stopped || this.#paused || this.#held) return;
    while (this.#waiting.length > 0) {
      this.#partitions.deliver(this.#waiting.shift()!, consumer.epoch, this.#sink!);
      if (this.#paused || this.#held) return;
    }
    if (this.#polling !== null) return;
    this.#polling = consumer.poll(POLL_WAIT_MS, POLL_MAX_BYTES).then((result) => {
      this.#polling = null;
      if (this.#stopped) return;
      for (const event of result.events) this.#onEvent(consumer, event);
      // A result that lands while held (a durable cut is reading positions and state) or paused waits here:
      // handing it over now would put records in the state that the cut's positions do not cover.
      if (result.chunks.length > 0) {
        if (this.#held || this.#paused) {
          this.#waiting.push(result);
        } else {
          // The next poll runs on libuv's thread while this result is handed over on this one.
          this.#consumeMore();
          this.#partitions.deliver(result, consumer.epoch, this.#sink!);
        }
      }
      // Delivered data may have paused us (backpressure) or held us (a durable cut): then the next poll waits.
      setImmediate(() => this.#consumeMore());
    }, (err: unknown) => {
      this.#polling = null;
      if (this.#stopped) return;
      if (this.#warnings.due('poll')) this.#sink?.warn('kafka: poll failed (retrying)', { error: (err as Error).message });
      setTimeout(() => this.#consumeMore(), 200);
    });
  }

  #onEvent(consumer: KafkaConsumer, event: KafkaEvent): void {
    if (event.kind === 'commit-failed') return this.#commitFailed(event.error!);
    if (event.kind !== 'error') return this.#rebalancer.onRebalance(consumer, event);
    const err = event.error!;
    if (isFatalKafkaError(err)) this.#fatal?.(fatalError(err));
    else if (this.#warnings.due(err.message)) this.#sink?.warn('kafka: client error (retrying)', { error: kafkaErrorText(err) });
  }
}

function fatalError(err: KafkaError): LogpulseError {
  return new LogpulseError('LP_ERR_KAFKA', `${fatalHint(err)} (${kafkaErrorText(err)})`);
}

/** librdkafka's settings for the consumer (values as strings, as librdkafka takes them); the bench reads with them too. */
export function consumerConfig(o: Pick<KafkaSourceOptions, 'client' | 'group' | 'startingOffsets'>): Record<string, string> {
  const config: Record<string, string | number | boolean> = {
    ...o.client,
    'group.id': o.group,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'auto.offset.reset': o.startingOffsets,
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
  };
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
}
