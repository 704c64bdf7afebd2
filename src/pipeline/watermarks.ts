// Cross-shard watermarks: each shard closes a window only once every shard's streams are past it, so N shards
// close windows exactly when one shard holding every stream would (SPEC §3: the effective watermark is the
// minimum over active streams).

/** A peer watermark before every record: nothing closes while a declared stream has not started. */
const HELD_US = -(2 ** 53);

export class ShardWatermarks {
  /** Each shard's own watermark (its streams only), as its last result reported it. */
  readonly #watermark: (number | null)[];
  /** Each shard has closed (and handed over) every window ending at or before this. */
  readonly #closedThrough: (number | null)[];
  /**
   * Declared streams (Kafka partitions assigned) whose first data a shard has not processed yet, with the time
   * they were declared: each holds every shard's watermark back (a partition consumed a little later must not
   * find its windows closed by the others) until it has data or has been idle for `idleTimeout`. Once its first
   * line is on its way to its shard (`on`), it no longer holds that shard: the shard processes that line before
   * anything after it, so from there the stream's own watermark counts — as for the same lines read from a file.
   */
  readonly #holds = new Map<string, { since: number; on: number | null }>();
  readonly #idleUs: number;
  readonly #nowUs: () => number;

  /** Cluster mode: the other daemons' smallest watermark, which holds every shard back as another shard's would. */
  readonly #remote: () => number | null;

  constructor(shards: number, idleTimeoutMs: number, nowUs: () => number, remote?: () => number | null) {
    this.#watermark = new Array<number | null>(shards).fill(null);
    this.#closedThrough = new Array<number | null>(shards).fill(null);
    this.#idleUs = idleTimeoutMs * 1000;
    this.#nowUs = nowUs;
    this.#remote = remote ?? (() => null);
  }

  hold(stream: string): void {
    this.#holds.set(stream, { since: this.#nowUs(), on: null });
  }

  /** A held stream none of whose data went to a shard yet. */
  awaitsFirstLine(stream: string): boolean {
    return this.#holds.get(stream)?.on === null;
  }

  /** A held stream's first line is being submitted to `shard`. */
  firstLineTo(stream: string, shard: number): void {
    const hold = this.#holds.get(stream);
    if (hold) hold.on = shard;
  }

  /** Declared streams that still hold the watermarks back (no data yet). */
  held(): string[] {
    return this.#held(null) ? [...this.#holds.keys()] : [];
  }

  /** Declared streams still holding (each goes at its first data, its end or its idle timeout). */
  get holds(): number {
    return this.#holds.size;
  }

  /** The stream has data on its shard (or ended): its shard's own watermark holds the others back from now on. */
  release(stream: string): void {
    this.#holds.delete(stream);
  }

  update(shard: number, watermarkUs: number | null, closedThroughUs: number | null): void {
    this.#watermark[shard] = watermarkUs;
    this.#closedThrough[shard] = closedThroughUs;
  }

  /**
   * The peer watermark for shard `i`: the min of the other shards' own watermarks — what a single shard
   * holding every stream would use. When no other shard has one (their streams ended or never started):
   * nothing holds back a shard that has live streams; a shard without streams catches up to the furthest
   * point any shard closed through (the global watermark reached it, and it holds no stream to hold back),
   * so an idle shard never blocks the drain of windows the others closed.
   */
  peerOf(i: number, hasStreams: boolean): number | null {
    if (this.#held(i)) return HELD_US;
    const peer = this.#localPeerOf(i, hasStreams);
    const remote = this.#remote();
    return remote === null ? peer : peer === null ? remote : Math.min(peer, remote);
  }

  #localPeerOf(i: number, hasStreams: boolean): number | null {
    let peer: number | null = null;
    for (let j = 0; j < this.#watermark.length; j++) {
      const w = this.#watermark[j] ?? null;
      if (j !== i && w !== null && (peer === null || w < peer)) peer = w;
    }
    if (peer !== null || hasStreams) return peer;
    let floor: number | null = null;
    for (let j = 0; j < this.#closedThrough.length; j++) {
      const c = this.#closedThrough[j] ?? null;
      if (j !== i && c !== null && (floor === null || c > floor)) floor = c;
    }
    return floor;
  }

  /** The smallest own watermark over the shards that have one (null: no shard reads a stream). */
  ownMin(): number | null {
    let min: number | null = null;
    for (const w of this.#watermark) if (w !== null && w !== undefined && (min === null || w < min)) min = w;
    return min;
  }

  /** Every shard has closed (and handed over) every window that ends at or before the smallest closed point. */
  globalClosedThrough(): number | null {
    let through: number | null = null;
    for (const c of this.#closedThrough) {
      if (c === null || c === undefined) return null;
      if (through === null || c < through) through = c;
    }
    return through;
  }

  /** True while a declared stream still holds back shard `shard` (any shard: null); expired holds are dropped here. */
  #held(shard: number | null): boolean {
    if (this.#holds.size === 0) return false;
    const now = this.#nowUs();
    let held = false;
    for (const [stream, { since, on }] of this.#holds) {
      if (now - since >= this.#idleUs) this.#holds.delete(stream);
      else if (shard === null || on !== shard) held = true;
    }
    return held;
  }
}
