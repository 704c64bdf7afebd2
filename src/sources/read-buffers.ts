// The buffers a `file:` source reads into, used again and again instead of one new buffer per read (issue 15,
// issue 20). A chunk read into one goes to a worker thread and comes back with the result (the worker moves its
// ArrayBuffer back, shard-pool.ts), or is given back as soon as the pipeline has copied it into a bigger chunk; the
// source then reads into it again. Without this every read left behind a chunk-sized buffer that only the worker's
// garbage collector would free, and it feels too little of that memory to run soon: a tailed file climbed for 15–20
// minutes, and a file read at full speed held tens of MB of dead read buffers at its peak.
//
// Never blocking: when every buffer is out, `take` makes a new one, and the pool keeps at most `keep` of those that
// come back (the rest are left to the garbage collector). What bounds the buffers out is the pipeline's backpressure
// (chunks in flight per shard, input bytes not yet parsed), as before; a buffer lost on the way (a stopped source, a
// rebuilt pipeline) is simply collected.

/** Whoever lent a chunk's memory and wants it back once the pipeline is done with it. */
export interface ChunkOwner {
  /** `buffer` (a chunk's whole ArrayBuffer) is no longer used by anyone: it may be handed out again. */
  give(buffer: ArrayBuffer): void;
}

export class ReadBuffers implements ChunkOwner {
  /** Bytes of each buffer. */
  readonly bytes: number;
  /** Free buffers kept at most. */
  readonly keep: number;
  readonly #free: ArrayBuffer[] = [];
  /** Buffers made so far, and handed out again after they came back (for tests and the profile). */
  made = 0;
  reused = 0;

  constructor(bytes: number, keep: number) {
    if (!Number.isInteger(bytes) || bytes <= 0) throw new RangeError(`read buffer size must be a positive integer, got ${bytes}`);
    if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`read buffers kept must be an integer >= 0, got ${keep}`);
    this.bytes = bytes;
    this.keep = keep;
  }

  /** Free buffers now. */
  get free(): number {
    return this.#free.length;
  }

  /** A buffer of `bytes` no one else holds: one that came back, or a new one. Its whole ArrayBuffer is the caller's. */
  take(): Buffer {
    const back = this.#free.pop();
    if (back !== undefined) {
      this.reused++;
      return Buffer.from(back);
    }
    this.made++;
    // Unpooled: the ArrayBuffer is the buffer's alone, so it can be moved to a worker and back.
    return Buffer.allocUnsafeSlow(this.bytes);
  }

  give(buffer: ArrayBuffer): void {
    // A detached ArrayBuffer (moved elsewhere) has no bytes; another size is not one of ours.
    if (buffer.byteLength !== this.bytes) return;
    if (this.#free.length >= this.keep || this.#free.includes(buffer)) return;
    this.#free.push(buffer);
  }
}
