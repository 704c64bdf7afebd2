// The hot path of `logpulse gen` (SPEC §6: >= 1 M lines/s on one core): whole lines written byte by byte into a
// caller's buffer — constant parts precomputed per method and per status, the timestamp's second-resolution
// prefix cached and only its fraction rewritten, integers through digit-pair tables, no strings, no Date.
import { SecondPrefix, writeBytes, writeFraction, writeIpv4, writeUint } from './ascii.js';
import { type BadLineKind, badLine, badLineKinds, TOO_LONG_BYTES } from './bad-lines.js';
import type { EventClock } from './clock.js';
import type { ClfVariant, LineOptions } from './options.js';
import { STATUSES, type StatusIndex, TrafficProfile } from './profile.js';
import { Rng, threshold } from './rng.js';

/**
 * Room a buffer must have past `fill`'s limit: the longest line the writer makes (a too_long line; records are
 * a few hundred bytes at most, methods being <= 32 bytes and URLs <= 20).
 */
export const LINE_HEADROOM = TOO_LONG_BYTES + 4096;

/** What the generator wrote, by kind: lines = records + late + every bad line. */
export interface GenStats {
  lines: number;
  bytes: number;
  /** Valid records that are not late: what the daemon aggregates. */
  records: number;
  /** Valid records `lateBySeconds` behind the newest record written: rejected `late` (SPEC §3). */
  late: number;
  /** Bad lines per kind; each kind is the rejection reason the daemon gives it. */
  bad: Record<BadLineKind, number>;
}

export function emptyStats(): GenStats {
  return {
    lines: 0,
    bytes: 0,
    records: 0,
    late: 0,
    bad: { malformed: 0, missing_field: 0, invalid_field: 0, invalid_timestamp: 0, invalid_utf8: 0, too_long: 0, future: 0 },
  };
}

const FORMAT_JSON = 0;
const FORMAT_CSV = 1;
const FORMAT_CLF = 2;

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

export class LineWriter {
  readonly stats: GenStats = emptyStats();
  /** Lines the last `fill` made. */
  lastLines = 0;
  readonly #o: LineOptions;
  readonly #rng: Rng;
  readonly #profile: TrafficProfile;
  readonly #format: number;
  readonly #prefix = new SecondPrefix();
  readonly #methods: readonly string[];
  /** Per method: everything between the ip (json/csv) or the time (clf) and the URL number. */
  readonly #methodSeg: Uint8Array[];
  /** Per status: everything from after the URL number to the end of the line (clf: up to the size). */
  readonly #statusSeg: Uint8Array[];
  readonly #head: Uint8Array;
  /** json/csv: `Z` and what follows the timestamp up to the ip; clf: ` - - [` / ` - [`. */
  readonly #afterTime: Uint8Array;
  readonly #clfSingle: Uint8Array;
  readonly #clfAfterTime = bytes(' +0000] "');
  readonly #clfVariant: ClfVariant;
  readonly #malformed: number;
  readonly #late: number;
  readonly #lateByUs: number;
  readonly #badKinds: readonly BadLineKind[];
  /** Number of the next line (what the event clock is asked about). */
  #line = 0;
  /** Event time of the newest valid record written; -1 before the first (nothing can be late yet). */
  #maxValidUs = -1;

  constructor(o: LineOptions) {
    this.#o = o;
    this.#rng = new Rng(o.seed);
    this.#profile = new TrafficProfile(o, this.#rng);
    this.#format = o.format === 'json' ? FORMAT_JSON : o.format === 'csv' ? FORMAT_CSV : FORMAT_CLF;
    this.#methods = o.methods;
    this.#clfVariant = o.clfVariant;
    this.#malformed = o.malformedFraction > 0 ? threshold(o.malformedFraction) : 0;
    // Drawn only for lines that are not bad: scaled so late lines are `lateFraction` of all lines.
    this.#late = o.lateFraction > 0 ? threshold(o.lateFraction / (1 - o.malformedFraction)) : 0;
    this.#lateByUs = Math.round(o.lateBySeconds * 1_000_000);
    this.#badKinds = badLineKinds(o.format);
    const q = o.compact ? '' : ' ';
    switch (o.format) {
      case 'json':
        this.#head = bytes(`{"timestamp":${q}"`);
        this.#afterTime = bytes(`Z",${q}"ip":${q}"`);
        this.#methodSeg = o.methods.map((m) => bytes(`",${q}"method":${q}"${m}",${q}"url":${q}"/resource/`));
        this.#statusSeg = STATUSES.map((s) => bytes(`",${q}"status":${q}${s}}\n`));
        break;
      case 'csv':
        this.#head = bytes('');
        this.#afterTime = bytes('Z;');
        this.#methodSeg = o.methods.map((m) => bytes(`;${m};/resource/`));
        this.#statusSeg = STATUSES.map((s) => bytes(`;${s}\n`));
        break;
      case 'clf':
        this.#head = bytes('');
        this.#afterTime = bytes(' - - [');
        this.#methodSeg = o.methods.map((m) => bytes(`${m} /resource/`));
        this.#statusSeg = STATUSES.map((s) => bytes(` HTTP/1.1" ${s} `));
        break;
    }
    this.#clfSingle = bytes(' - [');
  }

  /** Lines made so far. */
  get lines(): number {
    return this.#line;
  }

  /**
   * Writes up to `maxLines` whole lines into `buf` from offset 0, starting no line at or past `limit`
   * (`buf.length` must be at least `limit + LINE_HEADROOM`). Returns the bytes written; `lastLines` says how
   * many lines.
   */
  fill(buf: Buffer, maxLines: number, clock: EventClock, limit: number): number {
    clock.refresh?.();
    const pos = this.#lines(buf, maxLines, clock, limit);
    this.stats.lines += this.lastLines;
    this.stats.bytes += pos;
    return pos;
  }

  /**
   * The loop, alone in its function with nothing after it but the return: V8 compiles it mid-run (OSR), and
   * code after the loop that had not run yet would lack type feedback and deoptimise on every exit — measured
   * at half speed for the first ~10 M lines.
   */
  #lines(buf: Buffer, maxLines: number, clock: EventClock, limit: number): number {
    const rng = this.#rng;
    const stats = this.stats;
    let pos = 0;
    let made = 0;
    this.lastLines = 0;
    while (made < maxLines && pos < limit) {
      const us = clock.at(this.#line++);
      this.lastLines = ++made;
      if (this.#malformed !== 0 && rng.next() < this.#malformed) {
        pos = this.#badLine(buf, pos, us);
      } else if (this.#late !== 0 && rng.next() < this.#late && this.#maxValidUs >= 0) {
        pos = this.#record(buf, pos, Math.max(0, this.#maxValidUs - this.#lateByUs));
        stats.late++;
      } else {
        pos = this.#record(buf, pos, us);
        if (us > this.#maxValidUs) this.#maxValidUs = us;
        stats.records++;
      }
    }
    return pos;
  }

  #record(buf: Buffer, pos: number, us: number): number {
    const profile = this.#profile;
    const ip = profile.nextIp();
    const m = this.#methods.length === 1 ? 0 : this.#rng.below(this.#methods.length);
    const url = profile.nextUrl();
    const status = profile.nextStatus(url);
    let second = Math.floor(us / 1_000_000);
    // From about 2242 on, us / 1e6 rounds up to the next second at µs .999999 (f64 spacing): step back.
    if (second * 1_000_000 > us) second--;
    if (second !== this.#prefix.second) this.#prefix.set(second);
    if (this.#format === FORMAT_CLF) return this.#clf(buf, pos, ip, m, url, status);
    pos = writeBytes(buf, pos, this.#head);
    pos = writeBytes(buf, pos, this.#prefix.iso);
    pos = writeFraction(buf, pos, us - second * 1_000_000);
    pos = writeBytes(buf, pos, this.#afterTime);
    pos = writeIpv4(buf, pos, ip);
    pos = writeBytes(buf, pos, this.#methodSeg[m]!);
    pos = writeUint(buf, pos, url);
    return writeBytes(buf, pos, this.#statusSeg[status]!);
  }

  /** `IP - - [dd/Mon/yyyy:HH:MM:SS +0000] "METHOD /resource/N HTTP/1.1" STATUS SIZE` (size `-` for errors). */
  #clf(buf: Buffer, pos: number, ip: number, m: number, url: number, status: StatusIndex): number {
    const single = this.#clfVariant === 'single' || (this.#clfVariant === 'mixed' && (this.#rng.next() & 1) === 1);
    pos = writeIpv4(buf, pos, ip);
    pos = writeBytes(buf, pos, single ? this.#clfSingle : this.#afterTime);
    pos = writeBytes(buf, pos, this.#prefix.clf);
    pos = writeBytes(buf, pos, this.#clfAfterTime);
    pos = writeBytes(buf, pos, this.#methodSeg[m]!);
    pos = writeUint(buf, pos, url);
    pos = writeBytes(buf, pos, this.#statusSeg[status]!);
    if (status === 0) {
      pos = writeUint(buf, pos, 200 + this.#rng.below(4800));
    } else {
      buf[pos++] = 0x2d;
    }
    buf[pos] = 0x0a;
    return pos + 1;
  }

  #badLine(buf: Buffer, pos: number, us: number): number {
    const rng = this.#rng;
    const kind = this.#badKinds[rng.below(this.#badKinds.length)]!;
    const profile = this.#profile;
    const ip = profile.nextIp();
    const url = profile.nextUrl();
    const status = STATUSES[profile.nextStatus(url)];
    const o = this.#o;
    const line = badLine(
      kind,
      {
        us,
        ip,
        method: this.#methods[rng.below(this.#methods.length)]!,
        url: `/resource/${url}`,
        status,
        size: status === 200 ? 200 + rng.below(4800) : null,
      },
      { format: o.format, compact: o.compact, clfVariant: o.clfVariant === 'single' ? 'single' : 'common' },
    );
    this.stats.bad[kind]++;
    pos += line.copy(buf, pos);
    buf[pos] = 0x0a;
    return pos + 1;
  }
}
