// What a kafka:// source holds of each partition of its topic, and the hand-over of fetched messages to the
// pipeline. Kept apart from the consumer's life (kafka.ts) and from rebalancing (kafka-rebalance.ts), which both
// read and move this state: here is the one place where a partition's position advances, and only forward.
import type * as RdKafka from 'node-rdkafka';

import type { SourceSink, StreamPositions } from './source.js';

export const streamName = (topic: string, partition: number) => `${topic}/${partition}`;

export class KafkaPartitions {
  readonly topic: string;
  /** Next offset per partition of what was handed to the sink (and so is in the pipeline's state). */
  readonly positions = new Map<number, number>();
  /** Partitions being consumed now (assigned and not revoked). */
  readonly assigned = new Set<number>();
  /** Finite mode: end offset per assigned partition, and the partitions already ended. */
  readonly ends = new Map<number, number>();
  readonly ended = new Set<number>();
  /** Checkpointed or handed-over positions: each partition resumes at least there when assigned to this process. */
  resume: StreamPositions = {};

  constructor(topic: string) {
    this.topic = topic;
  }

  /** The positions by stream name (`topic/partition`), as the daemon checkpoints and commits them. */
  streamPositions(): StreamPositions {
    const out: StreamPositions = {};
    for (const [p, next] of this.positions) out[streamName(this.topic, p)] = next;
    return out;
  }

  /**
   * Joins each partition's messages into one chunk of lines (a value without a final newline gets one) and
   * hands it over. Messages of partitions no longer assigned are dropped: their new owner reads them from the
   * committed offset. Offsets only move forward.
   */
  deliver(messages: RdKafka.Message[], sink: SourceSink): void {
    const byPartition = new Map<number, RdKafka.Message[]>();
    for (const m of messages) {
      if (!this.assigned.has(m.partition) || this.ended.has(m.partition)) continue;
      let list = byPartition.get(m.partition);
      if (!list) byPartition.set(m.partition, (list = []));
      list.push(m);
    }
    for (const [partition, list] of byPartition) {
      const end = this.ends.get(partition) ?? Infinity;
      // Below the next expected offset: already handed over. One consume call that spans a rebalance returns
      // the records prefetched for the old assignment and then the same offsets again, fetched anew from the
      // committed offset, in one batch (seen: offsets 33908-34464 twice); a batch fetched before a rebalance can
      // also arrive after the partition was re-fetched. Either way each offset counts once.
      let next = this.positions.get(partition) ?? -1;
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
        this.positions.set(partition, kept[kept.length - 1]!.offset + 1);
        if (at > 0) sink.data(streamName(this.topic, partition), at === chunk.length ? chunk : chunk.subarray(0, at), partition);
      }
      this.checkEnd(partition, sink);
    }
  }

  /** Finite mode: a partition that reached its end offset ends its stream; the last one ends the source. */
  checkEnd(partition: number, sink: SourceSink): void {
    const end = this.ends.get(partition);
    if (end === undefined || this.ended.has(partition)) return;
    if ((this.positions.get(partition) ?? -1) < end) return;
    this.ended.add(partition);
    sink.streamEnd(streamName(this.topic, partition));
    if (this.assigned.size > 0 && [...this.assigned].every((p) => this.ended.has(p))) sink.end();
  }
}
