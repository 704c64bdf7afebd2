// Piscina worker entry: one native Shard per worker thread, so each shard's state is owned by exactly one
// thread and never locked. Every task crosses into Rust once.
import { workerData } from 'piscina';

import { type ArchiveCutResult, type ProcessResult, Shard, type ShardOptions } from '../native.js';

export type ShardTask =
  | { op: 'process'; stream: string; chunk: Uint8Array; nowUs: number; peerUs: number | null }
  /** `cut`: the stream was cut off mid-line; its unterminated last line is rejected, not parsed. */
  | { op: 'endStream'; stream: string; cut?: boolean; nowUs: number; peerUs: number | null }
  | { op: 'tick'; nowUs: number; peerUs: number | null }
  | { op: 'flush'; nowUs: number; peerUs: number | null }
  | { op: 'snapshot' }
  | { op: 'restore'; bytes: Uint8Array }
  | { op: 'archiveCut'; seq: number };

export type ShardTaskResult = ProcessResult | Buffer | ArchiveCutResult | null;

const shard = new Shard((workerData as { shardOptions: ShardOptions }).shardOptions);

export default function runTask(task: ShardTask): ShardTaskResult {
  switch (task.op) {
    case 'process':
      shard.setPeerWatermark(task.peerUs);
      return shard.process(task.stream, task.chunk, task.nowUs);
    case 'endStream':
      shard.setPeerWatermark(task.peerUs);
      return task.cut === true ? shard.cutStream(task.stream, task.nowUs) : shard.endStream(task.stream, task.nowUs);
    case 'tick':
      shard.setPeerWatermark(task.peerUs);
      return shard.tick(task.nowUs);
    case 'flush':
      shard.setPeerWatermark(task.peerUs);
      return shard.flush(task.nowUs);
    case 'snapshot':
      return shard.snapshot();
    case 'restore':
      shard.restore(task.bytes);
      return null;
    case 'archiveCut':
      return shard.archiveCut(task.seq);
  }
}
