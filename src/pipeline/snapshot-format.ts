// Reading a native shard snapshot's outline without decoding it (native/API.md: `snapshot` is `LPS1` + the
// MessagePack of `[streams, windows, closedThrough, peer]`, each stream `[name, pending, overflow, overflowBlank,
// overflowCr, maxTsUs, lastDataUs]`, each window a `WindowPartial` as in `WindowMerger.add`'s input). A restore
// under another worker count moves whole streams between shards and the open windows to the merger: it copies
// the bytes of each element as they are, so nothing the native core wrote is re-encoded here.

const SNAPSHOT_MAGIC = Buffer.from('LPS1');
const PARTIALS_MAGIC = Buffer.from('LPW1');

/** One stream of a snapshot: its name, when it last had data, and its bytes (the whole element). */
export interface SnapshotStream {
  name: string;
  lastDataUs: number;
  bytes: Buffer;
}

export interface SnapshotOutline {
  streams: SnapshotStream[];
  /** The open windows as `WindowMerger.add` takes them (`LPW1` + the array); null when there is none. */
  partials: Buffer | null;
  /** Every window ending at or before this is closed on that shard; null: none yet. */
  closedThroughUs: number | null;
}

class Reader {
  at = 0;
  constructor(readonly b: Buffer) {}

  /** The length of the array starting here (and moves past its header). */
  array(): number {
    const t = this.b[this.at++]!;
    if (t >= 0x90 && t <= 0x9f) return t & 0x0f;
    if (t === 0xdc) return this.#uint(2);
    if (t === 0xdd) return this.#uint(4);
    throw this.#bad(t, 'an array');
  }

  /** An integer or nil. */
  int(): number | null {
    const t = this.b[this.at++]!;
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t === 0xc0) return null;
    if (t >= 0xcc && t <= 0xcf) return this.#uint(1 << (t - 0xcc));
    if (t >= 0xd0 && t <= 0xd3) {
      const n = 1 << (t - 0xd0);
      const v = n === 8 ? Number(this.b.readBigInt64BE(this.at)) : this.b.readIntBE(this.at, n);
      this.at += n;
      return v;
    }
    throw this.#bad(t, 'an integer');
  }

  str(): string {
    const t = this.b[this.at++]!;
    const n = t >= 0xa0 && t <= 0xbf ? t & 0x1f : t === 0xd9 ? this.#uint(1) : t === 0xda ? this.#uint(2) : t === 0xdb ? this.#uint(4) : -1;
    if (n < 0) throw this.#bad(t, 'a string');
    const s = this.b.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }

  /** Moves past one value of any type. */
  skip(): void {
    const t = this.b[this.at++]!;
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return;
    if (t >= 0x80 && t <= 0x8f) return this.#skipN((t & 0x0f) * 2);
    if (t >= 0x90 && t <= 0x9f) return this.#skipN(t & 0x0f);
    if (t >= 0xa0 && t <= 0xbf) return void (this.at += t & 0x1f);
    const fixed: Record<number, number> = { 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17 };
    if (fixed[t] !== undefined) return void (this.at += fixed[t]);
    // (A length is read before `at` moves past it: `this.at += this.#uint(n)` would lose the header's bytes.)
    if (t === 0xc4 || t === 0xd9) return this.#skipBytes(this.#uint(1));
    if (t === 0xc5 || t === 0xda) return this.#skipBytes(this.#uint(2));
    if (t === 0xc6 || t === 0xdb) return this.#skipBytes(this.#uint(4));
    if (t === 0xc7 || t === 0xc8 || t === 0xc9) return this.#skipBytes(this.#uint(1 << (t - 0xc7)) + 1);
    if (t === 0xdc || t === 0xdd) return this.#skipN(this.#uint(t === 0xdc ? 2 : 4));
    if (t === 0xde || t === 0xdf) return this.#skipN(this.#uint(t === 0xde ? 2 : 4) * 2);
    throw this.#bad(t, 'a MessagePack value');
  }

  #skipBytes(n: number): void {
    this.at += n;
  }

  #skipN(n: number): void {
    for (let i = 0; i < n; i++) this.skip();
  }

  #uint(n: number): number {
    const v = n === 8 ? Number(this.b.readBigUInt64BE(this.at)) : this.b.readUIntBE(this.at, n);
    this.at += n;
    return v;
  }

  #bad(t: number, wanted: string): Error {
    return new Error(`shard snapshot: expected ${wanted} at byte ${this.at - 1}, found 0x${t.toString(16)}`);
  }
}

/** The streams, open windows and closed point of a shard snapshot. Throws on bytes that are not one. */
export function readSnapshot(snapshot: Uint8Array): SnapshotOutline {
  const b = Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
  if (!b.subarray(0, 4).equals(SNAPSHOT_MAGIC)) throw new Error('not a logpulse shard snapshot (bad magic)');
  const r = new Reader(b);
  r.at = 4;
  if (r.array() !== 4) throw new Error('shard snapshot: not [streams, windows, closedThrough, peer]');
  const streams: SnapshotStream[] = [];
  for (let i = r.array(); i > 0; i--) {
    const from = r.at;
    const fields = r.array();
    const name = r.str();
    for (let f = 2; f < fields; f++) r.skip();
    // The last field is the wall-clock time of the stream's last data (it decides which copy of a stream is newer).
    const lastDataUs = r.int() ?? 0;
    streams.push({ name, lastDataUs, bytes: b.subarray(from, r.at) });
  }
  const windowsFrom = r.at;
  const windows = r.array();
  r.at = windowsFrom;
  r.skip();
  const partials = windows === 0 ? null : Buffer.concat([PARTIALS_MAGIC, b.subarray(windowsFrom, r.at)]);
  const closedThroughUs = r.int();
  return { streams, partials, closedThroughUs };
}

/** A snapshot of `streams` (as `readSnapshot` gave them) with no open window, closed through `closedThroughUs`. */
export function writeSnapshot(streams: readonly SnapshotStream[], closedThroughUs: number | null): Buffer {
  const count = streams.length;
  const header = count < 16 ? Buffer.from([0x90 | count]) : Buffer.from([0xdd, 0, 0, 0, 0]);
  if (count >= 16) header.writeUInt32BE(count, 1);
  let closed: Buffer;
  if (closedThroughUs === null) {
    closed = Buffer.from([0xc0]);
  } else {
    closed = Buffer.alloc(9);
    closed[0] = 0xd3;
    closed.writeBigInt64BE(BigInt(closedThroughUs), 1);
  }
  // [streams, windows = [], closedThrough, peer = nil]: the peer watermark is set again before every task.
  return Buffer.concat([SNAPSHOT_MAGIC, Buffer.from([0x94]), header, ...streams.map((s) => s.bytes), Buffer.from([0x90]), closed, Buffer.from([0xc0])]);
}

/** One window of a partials buffer, alone in a buffer `WindowMerger.add` takes. */
export interface WindowPartialBytes {
  windowStartUs: number;
  windowEndUs: number;
  bytes: Buffer;
}

/**
 * Splits partials (`LPW1` + the MessagePack array of `WindowPartial`s, each an array starting `[start_us, end_us,
 * …]`) into one buffer per window, copying each element's bytes as they are (cluster mode publishes each window
 * under its own key, so a later state of the window replaces the earlier one).
 */
export function splitPartials(partials: Uint8Array): WindowPartialBytes[] {
  const b = Buffer.from(partials.buffer, partials.byteOffset, partials.byteLength);
  if (b.length === 0) return [];
  if (!b.subarray(0, 4).equals(PARTIALS_MAGIC)) throw new Error('not logpulse window partials (bad magic)');
  const r = new Reader(b);
  r.at = 4;
  const out: WindowPartialBytes[] = [];
  for (let i = r.array(); i > 0; i--) {
    const from = r.at;
    r.array();
    const windowStartUs = r.int();
    const windowEndUs = r.int();
    if (windowStartUs === null || windowEndUs === null) throw new Error('window partials: a window without its bounds');
    r.at = from;
    r.skip();
    out.push({ windowStartUs, windowEndUs, bytes: Buffer.concat([PARTIALS_MAGIC, Buffer.from([0x91]), b.subarray(from, r.at)]) });
  }
  return out;
}
