// What a kafka:// source holds of each partition of its topic, and the hand-over of fetched messages to the
// pipeline. Kept apart from the consumer's life (kafka.ts) and from rebalancing (kafka-rebalance.ts), which both
// read and move this state: here is the one place where a partition's position advances, and only forward.
import type { KafkaPollResult } from '../native.js';
import type { SourceProgress, SourceSink, StreamPositions } from './source.js';

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
  /** Finite mode: the position each assigned partition started at, the progress display's zero. */
  readonly starts = new Map<number, number>();
  /** Checkpointed or handed-over positions: each partition resumes at least there when assigned to this process. */
  resume: StreamPositions = {};

  constructor(topic: string) {
    this.topic = topic;
  }

  /**
   * Finite mode: offsets handed over of those between each assigned partition's start and end offset (records, up
   * to compaction gaps and transaction markers); null before any end offset is known.
   */
  progress(): SourceProgress | null {
    if (this.ends.size === 0) return null;
    let done = 0;
    let total = 0;
    for (const [p, end] of this.ends) {
      const start = this.starts.get(p) ?? end;
      total += Math.max(0, end - start);
      done += Math.max(0, Math.min(end, this.positions.get(p) ?? start) - start);
    }
    return { unit: 'records', done, total };
  }

  /** The positions by stream name (`topic/partition`), as the daemon checkpoints and commits them. */
  streamPositions(): StreamPositions {
    const out: StreamPositions = {};
    for (const [p, next] of this.positions) out[streamName(this.topic, p)] = next;
    return out;
  }

  /**
   * Hands each partition's chunk of lines (framed by the native consumer: one line a message, in offset order,
   * each offset once) to the sink. A poll result of an older assignment epoch is dropped whole, and so are the
   * chunks of partitions no longer assigned or already ended: their records are read again from the committed
   * offset by whoever owns the partition now. Offsets only move forward.
   */
  deliver(result: KafkaPollResult, epoch: number, sink: SourceSink): void {
    if (result.epoch !== epoch) return;
    for (const c of result.chunks) {
      const p = c.partition;
      if (!this.assigned.has(p) || this.ended.has(p)) continue;
      if (c.lastOffset < (this.positions.get(p) ?? -1)) continue;
      this.positions.set(p, c.lastOffset + 1);
      if (c.data.length > 0) sink.data(streamName(this.topic, p), c.data, p);
      this.checkEnd(p, sink);
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
