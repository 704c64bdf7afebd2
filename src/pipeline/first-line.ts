// A chunk on its way to its shard. The first line of a held stream (a Kafka partition just assigned) goes alone,
// with the watermarks still held: the shard would otherwise close windows by its other streams before this stream's
// first record gave it a watermark of its own. The rest follows with the hold lifted on that shard, so the stream's
// own records are late against its own watermark exactly as the same lines read from a file (issue 13: a partition's
// first batch, all sent with the hold, let through records its own watermark had passed).
import type { ChunkOwner } from '../sources/read-buffers.js';
import type { ShardWatermarks } from './watermarks.js';

export function dispatchChunk(
  watermarks: ShardWatermarks,
  stream: string,
  shard: number,
  chunk: Uint8Array,
  submit: (peerUs: number | null, chunk: Uint8Array, owner?: ChunkOwner) => void,
  peer: () => number | null,
  owner?: ChunkOwner,
): void {
  if (watermarks.awaitsFirstLine(stream)) {
    const held = peer();
    watermarks.firstLineTo(stream, shard);
    const nl = chunk.indexOf(10);
    if (nl < 0 || nl === chunk.length - 1) return submit(held, chunk, owner);
    // A copy of its own: the rest's ArrayBuffer is transferred to the worker.
    const first = new Uint8Array(nl + 1);
    first.set(chunk.subarray(0, nl + 1));
    submit(held, first);
    chunk = chunk.subarray(nl + 1);
  }
  submit(peer(), chunk, owner);
}
