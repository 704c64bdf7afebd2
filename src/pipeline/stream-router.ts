// Streams to shards, and their bytes into chunks: a stream stays on one shard for its life (its state and
// watermark live there), and its bytes are coalesced into ~chunkBytes chunks so Rust is crossed once per chunk,
// never per line — but a quiet stream's bytes wait at most `lingerMs` (DESIGN: latency is bounded).
import type { ChunkOwner } from '../sources/read-buffers.js';

interface StreamState {
  shard: number;
  /** The route it was given (a Kafka partition), if any. */
  route: number | undefined;
  parts: Buffer[];
  /** Who lent each part's memory (read-buffers.ts), if anyone: it gets it back once the part is copied or parsed. */
  owners: (ChunkOwner | undefined)[];
  bytes: number;
  timer: NodeJS.Timeout | null;
}

export interface StreamRouterOptions {
  shards: number;
  chunkBytes: number;
  /** A stream's bytes wait at most this long to fill a chunk. */
  lingerMs: number;
  /**
   * A chunk is ready for `shard`. No one else holds its ArrayBuffer, so it can be moved to a worker; `owner`: it is
   * lent (read-buffers.ts), and is to be given back when the worker is done with it.
   */
  dispatch: (stream: string, shard: number, chunk: Buffer, owner?: ChunkOwner) => void;
}

export class StreamRouter {
  readonly #o: StreamRouterOptions;
  readonly #streams = new Map<string, StreamState>();
  readonly #streamsPerShard: number[];
  /** Streams whose state a restore put on a shard: they go there when they come (once; then they are placed). */
  readonly #pins = new Map<string, number>();

  constructor(options: StreamRouterOptions) {
    this.#o = options;
    this.#streamsPerShard = new Array<number>(options.shards).fill(0);
  }

  /** The stream's shard: `route % shards` when given (a Kafka partition), else the least loaded one. */
  shardOf(stream: string, route?: number): number {
    return this.#state(stream, route).shard;
  }

  /** `stream`'s state is on `shard` (a restored checkpoint): its bytes go there, whatever its route. */
  pin(stream: string, shard: number): void {
    this.#pins.set(stream, shard);
  }

  /** The route of each live stream that has one (a checkpoint keeps them: a restore under another shard count places by them). */
  routes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [stream, s] of this.#streams) if (s.route !== undefined) out[stream] = s.route;
    return out;
  }

  /** Live streams, and restored streams not yet come back (each goes when its stream ends). */
  get size(): { streams: number; pinnedStreams: number } {
    return { streams: this.#streams.size, pinnedStreams: this.#pins.size };
  }

  hasStreams(shard: number): boolean {
    return this.#streamsPerShard[shard]! > 0;
  }

  data(stream: string, chunk: Buffer, route?: number, owner?: ChunkOwner): void {
    const s = this.#state(stream, route);
    s.parts.push(chunk);
    s.owners.push(owner);
    s.bytes += chunk.length;
    if (s.bytes >= this.#o.chunkBytes) {
      this.#dispatch(stream, s);
    } else if (!s.timer) {
      s.timer = setTimeout(() => {
        s.timer = null;
        this.#dispatch(stream, s);
      }, this.#o.lingerMs);
    }
  }

  /** Sends what the stream has buffered and forgets it; its shard (a restored one's too), or null for a stream never seen. */
  end(stream: string): number | null {
    const s = this.#streams.get(stream);
    if (!s) {
      const pinned = this.#pins.get(stream);
      this.#pins.delete(stream);
      return pinned ?? null;
    }
    this.#dispatch(stream, s);
    this.#streams.delete(stream);
    this.#streamsPerShard[s.shard]!--;
    return s.shard;
  }

  /** Sends every stream's buffered bytes now (end of input, a durable cut). */
  flushAll(): void {
    for (const [stream, s] of this.#streams) this.#dispatch(stream, s);
  }

  close(): void {
    for (const s of this.#streams.values()) if (s.timer) clearTimeout(s.timer);
  }

  #state(stream: string, route: number | undefined): StreamState {
    let s = this.#streams.get(stream);
    if (!s) {
      const pinned = this.#pins.get(stream);
      this.#pins.delete(stream);
      s = { shard: pinned ?? (route === undefined ? this.#leastLoadedShard() : route % this.#o.shards), route, parts: [], owners: [], bytes: 0, timer: null };
      this.#streamsPerShard[s.shard]!++;
      this.#streams.set(stream, s);
    }
    return s;
  }

  #leastLoadedShard(): number {
    let best = 0;
    for (let i = 1; i < this.#streamsPerShard.length; i++) {
      if (this.#streamsPerShard[i]! < this.#streamsPerShard[best]!) best = i;
    }
    return best;
  }

  #dispatch(stream: string, s: StreamState): void {
    if (s.timer) {
      clearTimeout(s.timer);
      s.timer = null;
    }
    if (s.bytes === 0) return;
    const [parts, owners] = [s.parts, s.owners];
    s.parts = [];
    s.owners = [];
    s.bytes = 0;
    const only = parts.length === 1 ? parts[0]! : null;
    // Moved to the worker, so no one else may hold the chunk's ArrayBuffer: a lone part that is lent (a read
    // buffer, however much of it was filled) or owns its whole ArrayBuffer goes as is; anything else is joined into
    // a fresh, unpooled buffer, and the lent parts go back to their owners at once.
    if (only && owners[0] !== undefined) return this.#o.dispatch(stream, s.shard, only, owners[0]);
    if (only && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) return this.#o.dispatch(stream, s.shard, only);
    const chunk = Buffer.allocUnsafeSlow(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) at += p.copy(chunk, at);
    parts.forEach((p, i) => owners[i]?.give(p.buffer as ArrayBuffer));
    this.#o.dispatch(stream, s.shard, chunk);
  }
}
