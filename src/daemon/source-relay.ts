// Between the daemon's source and its current generation's pipeline. A rebuild cuts the relay off while one
// generation hands over to the next: what the source still delivers meanwhile (a paused socket's last chunk, a
// stream's end, a Kafka hand-over) waits here, in order, and goes to the next generation when it is attached. The
// relay also knows which streams are live, so that when the source itself is replaced its streams can be ended.
import type { Logger } from '../log.js';
import type { SourceSink } from '../sources/source.js';
import type { Generation } from './generation.js';

type Call = (g: Generation) => void;

export class SourceRelay implements SourceSink {
  readonly #log: Logger;
  #target: Generation | null = null;
  #waiting: Call[] = [];
  readonly #live = new Set<string>();
  /** The source said its input ended (a finite one): a generation attached after that is told so too. */
  #ended = false;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** From now on (after what waited, in order) calls go to `g`. */
  attach(g: Generation): void {
    this.#target = g;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const call of waiting) call(g);
    if (this.#ended) g.pipeline.end();
  }

  /** Calls wait here until the next `attach`. */
  detach(): void {
    this.#target = null;
  }

  /**
   * The source was replaced: each stream it delivered and did not end ends now (its last partial line counts), after
   * what it delivered before and before anything of the next source.
   */
  endLiveStreams(): void {
    for (const stream of this.#live) this.#call((g) => g.pipeline.streamEnd(stream));
    this.#live.clear();
    this.#ended = false;
  }

  data(stream: string, chunk: Buffer, route?: number): void {
    this.#live.add(stream);
    this.#call((g) => g.pipeline.data(stream, chunk, route));
  }

  declare(stream: string, route?: number): void {
    this.#live.add(stream);
    this.#call((g) => g.pipeline.declare(stream, route));
  }

  streamEnd(stream: string): void {
    this.#live.delete(stream);
    this.#call((g) => g.pipeline.streamEnd(stream));
  }

  end(): void {
    this.#ended = true;
    this.#call((g) => g.pipeline.end());
  }

  warn(message: string, details?: Record<string, unknown>): void {
    this.#log.warn(details ?? {}, message);
  }

  info(message: string, details?: Record<string, unknown>): void {
    this.#log.info(details ?? {}, message);
  }

  /** Kafka partitions revoked: durable and committed by whichever generation holds them (the next, mid-rebuild). */
  handOff(streams: string[]): Promise<void> {
    if (this.#target) return this.#target.durability.handOff(streams);
    return new Promise((resolve, reject) => this.#waiting.push((g) => void g.durability.handOff(streams).then(resolve, reject)));
  }

  #call(call: Call): void {
    if (this.#target) call(this.#target);
    else this.#waiting.push(call);
  }
}
