// Rebalancing of a kafka:// source: what happens when the consumer group gives this process partitions or
// takes them away. Eager protocol (see the consumer settings in kafka.ts): a rebalance revokes everything, the
// daemon makes what it read durable and commits, then takes its new share.
import { kafkaErrorText } from '../kafka/client-config.js';
import type { KafkaAssignment, KafkaConsumer, KafkaEvent } from '../native.js';
import { type KafkaPartitions, streamName } from './kafka-partitions.js';
import type { SourceSink } from './source.js';

const QUERY_TIMEOUT_MS = 10_000;

export interface RebalanceOptions {
  partitions: KafkaPartitions;
  /** Finite mode (`endingOffsets=latest`): each assigned partition is read up to its end offset at assignment. */
  finite: boolean;
  startingOffsets: 'earliest' | 'latest';
  sink: () => SourceSink | null;
  stopped: () => boolean;
  /** Cluster mode: where the group's published state of a partition ends (each starts at least there). */
  published: () => ((partition: number) => Promise<number | undefined>) | null;
}

export class Rebalancer {
  readonly #o: RebalanceOptions;
  readonly #p: KafkaPartitions;
  #rebalancing: Promise<void> = Promise.resolve();

  constructor(options: RebalanceOptions) {
    this.#o = options;
    this.#p = options.partitions;
  }

  /** Resolves once every rebalance step begun so far is done (it never rejects). */
  settled(): Promise<void> {
    return this.#rebalancing;
  }

  /** A rebalance event of the consumer's poll: `assign`, `revoke` or `rebalance-failed`. */
  onRebalance(consumer: KafkaConsumer, event: KafkaEvent): void {
    const run = async () => {
      if (event.kind === 'assign') await this.#assign(consumer, event.partitions ?? []);
      else if (event.kind === 'revoke') await this.#revoke(consumer);
      else this.#o.sink()?.warn('kafka: rebalance failed', { error: kafkaErrorText(event.error ?? {}) });
    };
    // One rebalance step at a time, in order.
    this.#rebalancing = this.#rebalancing.then(run).catch((e: unknown) => {
      this.#o.sink()?.warn('kafka: rebalance step failed', { error: (e as Error).message });
    });
  }

  /** Starts each partition at max(committed, checkpointed, published in cluster mode); finite mode also learns its end offset. */
  async #assign(consumer: KafkaConsumer, partitions: number[]): Promise<void> {
    const topic = this.#p.topic;
    const committed = new Map<number, number>();
    const answer = await consumer.committed(partitions, QUERY_TIMEOUT_MS);
    // Without the group's offsets each partition starts at the checkpoint's, else at startingOffsets.
    if (answer.error) this.#o.sink()?.warn('kafka: cannot read the group\'s committed offsets', { error: kafkaErrorText(answer.error) });
    for (const o of answer.offsets) committed.set(o.partition, o.offset);
    const list: KafkaAssignment[] = [];
    const published = this.#o.published();
    for (const p of partitions) {
      const fromCheckpoint = this.#p.resume[streamName(topic, p)];
      const fromGroup = committed.get(p);
      const fromState = published ? await published(p) : undefined;
      const known = [fromCheckpoint, fromGroup, fromState].filter((o): o is number => o !== undefined);
      const start = known.length === 0 ? undefined : Math.max(...known);
      list.push({ partition: p, offset: start });
      if (start !== undefined) this.#p.positions.set(p, start);
    }
    if (this.#o.finite) {
      for (const [i, p] of partitions.entries()) {
        const w = await consumer.queryWatermarks(p, QUERY_TIMEOUT_MS);
        if (w.error) throw new Error(`cannot read the end offset of ${streamName(topic, p)}: ${kafkaErrorText(w.error)}`);
        this.#p.ends.set(p, w.high);
        list[i]!.end = w.high;
        if (!this.#p.positions.has(p)) this.#p.positions.set(p, this.#o.startingOffsets === 'earliest' ? w.low : w.high);
        this.#p.starts.set(p, this.#p.positions.get(p)!);
      }
    }
    for (const p of partitions) this.#p.assigned.add(p);
    if (this.#o.stopped()) return;
    consumer.assign(list);
    const sink = this.#o.sink();
    for (const p of partitions) sink?.declare?.(streamName(topic, p), p);
    sink?.info?.('kafka: partitions assigned', { topic, partitions });
    for (const p of partitions) this.#p.checkEnd(p, sink!);
  }

  /**
   * Before giving partitions up: their streams end, the daemon makes everything derived from them durable and
   * commits (the sink's `handOff`), and only then the group moves them, so the next owner starts where this
   * process stopped: nothing lost, nothing counted twice.
   */
  async #revoke(consumer: KafkaConsumer): Promise<void> {
    const partitions = [...this.#p.assigned];
    this.#p.assigned.clear();
    if (this.#o.stopped()) {
      // Leaving the group at stop: the daemon already made everything durable and committed.
      consumer.unassign();
      return;
    }
    const sink = this.#o.sink();
    const streams = partitions.filter((p) => !this.#p.ended.has(p)).map((p) => streamName(this.#p.topic, p));
    for (const s of streams) sink?.streamEnd(s);
    if (sink?.handOff) await sink.handOff(streams);
    for (const p of partitions) {
      // Remembered in case the group gives the partition back: a commit that failed during the rebalance
      // must not make this process read again what its state already holds.
      const at = this.#p.positions.get(p);
      if (at !== undefined) this.#p.resume[streamName(this.#p.topic, p)] = at;
      this.#p.positions.delete(p);
      this.#p.ends.delete(p);
      this.#p.starts.delete(p);
      this.#p.ended.delete(p);
    }
    consumer.unassign();
  }
}
