// Piscina worker entry: one native Shard per worker thread, so each shard's state is owned by exactly one
// thread and never locked. Every task crosses into Rust once.
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';

import { type ArchiveCutResult, type ProcessResult, Shard, type ShardOptions } from '../native.js';
import { YoungCollection } from './young-collection.js';

export type ShardTask =
  /** `recycle`: the chunk's ArrayBuffer is lent (read-buffers.ts): it is moved back with the result (`recycled`). */
  | { op: 'process'; stream: string; chunk: Uint8Array; nowUs: number; peerUs: number | null; recycle?: boolean }
  /** `cut`: the stream was cut off mid-line; its unterminated last line is rejected, not parsed. */
  | { op: 'endStream'; stream: string; cut?: boolean; nowUs: number; peerUs: number | null }
  | { op: 'tick'; nowUs: number; peerUs: number | null }
  | { op: 'flush'; nowUs: number; peerUs: number | null }
  | { op: 'snapshot' }
  | { op: 'restore'; bytes: Uint8Array }
  | { op: 'archiveCut'; seq: number };

/** A `process` result; `recycled`: the lent chunk's ArrayBuffer, moved back to the main thread. */
export type ShardProcessResult = ProcessResult & { recycled?: ArrayBuffer };

export type ShardTaskResult = ShardProcessResult | Buffer | ArchiveCutResult | null;

/** What ShardPool gives each worker; `collectBytes`: `pipeline.workerCollectBytes`. */
export interface ShardWorkerData {
  shardOptions: ShardOptions;
  collectBytes?: number;
}

const data = workerData as ShardWorkerData;
const shard = new Shard(data.shardOptions);
const young = new YoungCollection(data.collectBytes ?? 0);

export default function runTask(task: ShardTask): ShardTaskResult {
  switch (task.op) {
    case 'process': {
      shard.setPeerWatermark(task.peerUs);
      const result = handedBack(shard.process(task.stream, task.chunk, task.nowUs));
      if (task.recycle === true) return withChunkBack(result, task.chunk.buffer as ArrayBuffer);
      // A chunk not lent (joined by the router, or a Kafka poll's, which Node copied on its way here) is garbage now too.
      young.handedBack(task.chunk.byteLength);
      return result;
    }
    case 'endStream':
      shard.setPeerWatermark(task.peerUs);
      return handedBack(task.cut === true ? shard.cutStream(task.stream, task.nowUs) : shard.endStream(task.stream, task.nowUs));
    case 'tick':
      shard.setPeerWatermark(task.peerUs);
      return handedBack(shard.tick(task.nowUs));
    case 'flush':
      shard.setPeerWatermark(task.peerUs);
      return handedBack(shard.flush(task.nowUs));
    case 'snapshot':
      return shard.snapshot();
    case 'restore':
      shard.restore(task.bytes);
      return null;
    case 'archiveCut':
      return shard.archiveCut(task.seq);
  }
}

/**
 * The result, and the chunk's memory moved back rather than left to this thread's garbage collector (the source reads
 * into it again). Rust only borrowed the chunk for the call: nothing here holds it any more.
 */
function withChunkBack(result: ProcessResult, buffer: ArrayBuffer): ShardTaskResult {
  const value: ShardProcessResult = Object.assign(result, { recycled: buffer });
  return move({ [transferableSymbol]: [buffer], [valueSymbol]: value } as never) as unknown as ShardProcessResult;
}

/** Counts the result's Rust-made buffers, which are garbage here once the result is sent. */
function handedBack(result: ProcessResult): ProcessResult {
  young.handedBack(result.errors.length + result.rejected.length + result.partials.length);
  return result;
}
