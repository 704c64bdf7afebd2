// `generator:` — synthetic access-log lines in-process, so `logpulse run` works with no input at all and tests
// and benchmarks need no producer. The lines come from `logpulse gen`'s LineWriter (src/gen/), so the daemon's
// built-in source and the standalone generator make the same lines; this file only adds the Source protocol
// (pause/resume, count, streamEnd) around it. Timestamps are live: the wall-clock time each line was due.
//
// With a seed it is replayable (generator-replay.ts): a durable cut checkpoints the lines handed over, and a restart
// goes on with the next line of the same sequence — the same lines in the same order, with the replay's
// timestamps. Without a seed there is no sequence to go back to: at most once, like stdin.
import { LogpulseError } from '../errors.js';
import { type EventClock, ScheduledClock, WallClock } from '../gen/clock.js';
import type { GenFormat } from '../gen/formats.js';
import { LINE_HEADROOM, LineWriter } from '../gen/line-writer.js';
import { defaultLineOptions } from '../gen/options.js';
import { Pacer } from '../gen/pacer.js';
import { randomSeed } from '../gen/rng.js';
import { GENERATOR_STREAM, generatorPositions, savedLines, skipLines } from './generator-replay.js';
import { HeldCalls } from './held-calls.js';
import { alreadyStarted, type Source, type SourceSink, type StreamPositions } from './source.js';
import { GENERATOR_DEFAULT_RATE } from './uri.js';

export type GeneratorFormat = GenFormat;

export interface LineMakerOptions {
  /** Same seed, same lines (timestamps aside: they are the wall clock). Null: a random seed. */
  seed?: number | null;
  format?: GeneratorFormat;
  /** Fraction of 404/500 lines (split evenly). Null: statuses 200/404/500 weighted 90/5/5 like genlogs_v2.py. */
  errorRate?: number | null;
}

export interface GeneratorSourceOptions extends LineMakerOptions {
  /** Defaults to `generator:`. */
  uri?: string;
  /** Lines per second; 0 = as fast as possible. Default 100. */
  rate?: number;
  /** Lines to produce before ending; null = unbounded. */
  count?: number | null;
}

const STREAM = GENERATOR_STREAM;
/** Paced mode wakes this often: small enough to look continuous, large enough to batch at high rates. */
const TICK_MS = 20;
/** Bytes per delivered chunk (~8,000 JSON lines): the pipeline's unit of work. */
const CHUNK_BYTES = 1 << 20;

/** genlogs_v2.py's defaults, with the source's `errorRate` mapped onto the 200/404/500 weights. */
function lineWriter(options: LineMakerOptions, seed: number): LineWriter {
  const e = options.errorRate ?? null;
  return new LineWriter(
    defaultLineOptions(seed, {
      format: options.format ?? 'json',
      ...(e === null ? {} : { statusDist: [1 - e, e / 2, e / 2] as const }),
    }),
  );
}

/**
 * A `Source`; with a seed also a `ReplayableSource` (`replayable` true: isReplayable() says which). The replay
 * methods exist either way; without a seed the daemon never calls them.
 */
export class GeneratorSource implements Source {
  readonly uri: string;
  readonly finite: boolean;
  /** True only with a seed: the one thing a restart can make the same lines from. */
  readonly replayable: boolean;
  readonly #seed: number;
  readonly #count: number | null;
  readonly #rate: number;
  readonly #writer: LineWriter;
  readonly #pacer: Pacer | null;
  readonly #clock: EventClock;
  /** Lines are made here, then copied into a chunk that owns its memory (see #chunk). */
  readonly #scratch = Buffer.allocUnsafeSlow(CHUNK_BYTES + LINE_HEADROOM);
  #remaining: number;
  #sink: SourceSink | null = null;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #paused = false;
  #done = false;
  #stopped = false;
  /** Lines handed to the sink (the position a cut checkpoints): counted as each call is made, not as lines are made. */
  #handed = 0;
  readonly #out = new HeldCalls();
  /** What `resumeFrom` was given, looked at by `start` (which has the sink to warn on). */
  #saved: StreamPositions | null = null;

  constructor(options: GeneratorSourceOptions = {}) {
    this.uri = options.uri ?? 'generator:';
    this.#rate = options.rate ?? GENERATOR_DEFAULT_RATE;
    if (!(this.#rate >= 0) || !Number.isFinite(this.#rate)) {
      throw optionError(`rate must be a number >= 0, got ${String(options.rate)}`);
    }
    const count = options.count ?? null;
    if (count !== null && !(Number.isSafeInteger(count) && count >= 0)) {
      throw optionError(`count must be an integer >= 0, got ${String(count)}`);
    }
    this.finite = count !== null;
    this.#count = count;
    this.#remaining = count ?? Number.POSITIVE_INFINITY;
    const seed = options.seed ?? null;
    this.replayable = seed !== null;
    this.#seed = seed ?? randomSeed();
    this.#writer = lineWriter(options, this.#seed);
    this.#pacer = this.#rate > 0 ? new Pacer(this.#rate) : null;
    this.#clock = this.#pacer !== null ? new ScheduledClock(this.#pacer) : new WallClock();
  }

  start(sink: SourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) {
      return Promise.reject(alreadyStarted(this.uri));
    }
    this.#sink = sink;
    if (this.#saved !== null) this.#goOn(this.#saved);
    this.#restartPacing();
    if (!this.#paused) this.#schedule(0);
    return Promise.resolve();
  }

  /** Before `start`: go on after the lines a checkpoint says were handed over (with the same seed only). */
  resumeFrom(positions: StreamPositions): void {
    this.#saved = positions;
  }

  positions(): StreamPositions {
    return generatorPositions(this.#handed, this.#seed);
  }

  /** The checkpoint that holds the positions is the commit. */
  async commit(): Promise<void> {}

  /** No call reaches the sink until `release`, and no line is made meanwhile (like a pause, without its reset). */
  hold(): void {
    this.#out.hold();
  }

  release(): void {
    this.#out.release();
    if (!this.#paused) this.#kick();
  }

  /** Making lines never fails after start. */
  onFatal(): void {}

  /**
   * The same seed: the lines handed over are made again and dropped, so the next line is the one an uninterrupted
   * run would have made next (count: only the rest are made). Another seed: its sequence cannot be gone on with.
   */
  #goOn(positions: StreamPositions): void {
    const saved = savedLines(positions, this.#seed);
    if (saved === null) return;
    if ('otherSeed' in saved) {
      (this.#sink as SourceSink).warn(`${this.uri}: the checkpoint's lines came from seed ${String(saved.otherSeed)}, not ${this.#seed}; generating from the first line`, {
        checkpointSeed: saved.otherSeed,
        seed: this.#seed,
      });
      return;
    }
    const skip = Math.min(saved.lines, this.#count ?? Number.POSITIVE_INFINITY);
    skipLines(this.#writer, this.#scratch, skip, CHUNK_BYTES);
    this.#handed = skip;
    this.#remaining -= skip;
  }

  pause(): void {
    this.#paused = true;
    this.#cancel();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#sink === null || this.#done || this.#stopped) return;
    // Lines not made while paused are not owed: resuming must not burst.
    this.#restartPacing();
    this.#kick();
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#out.drop();
    this.#cancel();
    return Promise.resolve();
  }

  #restartPacing(): void {
    this.#pacer?.restart(performance.now(), this.#writer.lines);
  }

  #tick(): void {
    this.#timer = null;
    this.#immediate = null;
    if (this.#paused || this.#out.held || this.#stopped || this.#done) return;
    const sink = this.#sink as SourceSink;
    // Rate 0: one chunk per turn of the event loop. Otherwise what the clock says is due (the first line at
    // once, like genlogs_v2.py, rather than 1/rate seconds later).
    let due = this.#pacer === null ? Number.POSITIVE_INFINITY : this.#pacer.due(performance.now(), this.#writer.lines);
    due = Math.min(due, this.#remaining);
    while (due > 0 && !this.#paused && !this.#out.held && !this.#stopped) {
      const chunk = this.#chunk(due);
      const n = this.#writer.lastLines;
      due = this.#pacer === null ? 0 : due - n;
      this.#remaining -= n;
      this.#out.run(() => {
        this.#handed += n;
        sink.data(STREAM, chunk);
      });
    }
    if (this.#stopped) return;
    if (this.#remaining === 0) {
      this.#done = true;
      this.#out.run(() => {
        sink.streamEnd(STREAM);
        sink.end();
      });
      return;
    }
    // Held: `release` starts the next tick.
    if (!this.#paused && !this.#out.held) this.#schedule(this.#rate === 0 ? 0 : TICK_MS);
  }

  /** A tick now unless one is due already (after `release`: the pacer owes what the hold delayed, capped at 1 s). */
  #kick(): void {
    if (this.#sink === null || this.#done || this.#stopped || this.#timer !== null || this.#immediate !== null) return;
    this.#schedule(0);
  }

  /** Up to `maxLines` lines, at most ~1 MiB. */
  #chunk(maxLines: number): Buffer {
    const bytes = this.#writer.fill(this.#scratch, maxLines, this.#clock, CHUNK_BYTES);
    // Own ArrayBuffer (not Node's shared pool): the pipeline may transfer the chunk to a worker thread.
    const buf = Buffer.allocUnsafeSlow(bytes);
    this.#scratch.copy(buf, 0, 0, bytes);
    return buf;
  }

  /** 0 ms: setImmediate, so "as fast as possible" still lets I/O and timers run between chunks. */
  #schedule(ms: number): void {
    if (ms === 0) this.#immediate = setImmediate(() => this.#tick());
    else this.#timer = setTimeout(() => this.#tick(), ms);
  }

  #cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }
}

function optionError(message: string): LogpulseError {
  return new LogpulseError('LP_ERR_SOURCE_OPTION', `generator: ${message}`);
}
