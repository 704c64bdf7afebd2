// Backpressure, not unbounded queues (DESIGN.md): the source is paused while any shard has its maximum of
// chunks in flight, or while the outputs hold too many bytes not yet durable (a slow or full disk), and
// resumed when both are below again.

export interface BackpressureOptions {
  shards: number;
  maxInFlightChunks: number;
  maxPendingBytes: number;
  /** Bytes the outputs accepted but have not made durable yet. */
  pendingBytes: () => number;
}

export class Backpressure {
  readonly #o: BackpressureOptions;
  readonly #inFlight: number[];
  #paused = false;
  /** Source pause/resume hooks, set by whoever wires a source to the pipeline. */
  onPause: () => void = () => {};
  onResume: () => void = () => {};

  constructor(options: BackpressureOptions) {
    this.#o = options;
    this.#inFlight = new Array<number>(options.shards).fill(0);
  }

  inFlight(shard: number): number {
    return this.#inFlight[shard]!;
  }

  submitted(shard: number): void {
    this.#inFlight[shard]!++;
    this.check();
  }

  settled(shard: number): void {
    this.#inFlight[shard]!--;
    this.check();
  }

  /** Pauses or resumes the source as the in-flight chunks and pending output bytes now say. */
  check(): void {
    const full = this.#inFlight.some((n) => n >= this.#o.maxInFlightChunks) || this.#o.pendingBytes() > this.#o.maxPendingBytes;
    if (full && !this.#paused) {
      this.#paused = true;
      this.onPause();
    } else if (!full && this.#paused) {
      this.#paused = false;
      this.onResume();
    }
  }
}
