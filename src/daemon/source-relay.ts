// Between the daemon's source and its current generation's pipeline. A rebuild cuts the relay off while one
// generation hands over to the next: what the source still delivers meanwhile (a paused socket's last chunk, a
// stream's end, a Kafka hand-over) waits here, in order, and goes to the next generation when it is attached.
// Each source delivers through a sink of its own (`sinkFor`), which knows the streams that source has open: when
// the source is replaced, those end (`retire`) — after what it delivered, whatever the next source delivered
// meanwhile; only the order within a stream matters. A Kafka source's streams do not end with it: its partitions
// go on in the consumer that replaces it (same names, positions from the checkpoint), and ending them would let
// the watermark pass a partition still behind (its next records late); those the next source does not continue
// stop holding the watermark after `pipeline.idleTimeout`, as any idle stream does.
import type { Logger } from '../log.js';
import type { Source, SourceSink } from '../sources/source.js';
import type { Generation } from './generation.js';

type Call = (g: Generation) => void;

interface Feed {
  readonly sink: SourceSink;
  /** Streams delivered and not ended. */
  readonly live: Set<string>;
  /** Replaced: its end of input no longer ends the pipeline. */
  retired: boolean;
  /** Its streams carry on in the next source: the stream ends it gives while stopping are dropped. */
  carriedOn: boolean;
}

export class SourceRelay {
  readonly #log: Logger;
  #target: Generation | null = null;
  #waiting: Call[] = [];
  readonly #feeds = new Map<Source, Feed>();
  /** The running source said its input ended (a finite one): a generation attached after that is told so too. */
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

  /** What `source` delivers into (the same sink each time). */
  sinkFor(source: Source): SourceSink {
    let feed = this.#feeds.get(source);
    if (!feed) {
      feed = this.#feed();
      this.#feeds.set(source, feed);
    }
    return feed.sink;
  }

  /** Before `source` stops for a replacement: its streams carry on in the next source (see the top). */
  carryOn(source: Source): void {
    const feed = this.#feeds.get(source);
    if (feed) feed.carriedOn = true;
  }

  /**
   * `source` was replaced (and stopped): each stream it delivered and did not end ends now (its last partial line
   * counts), after what it delivered before — unless they carry on.
   */
  retire(source: Source): void {
    const feed = this.#feeds.get(source);
    if (!feed) return;
    this.#feeds.delete(source);
    feed.retired = true;
    if (!feed.carriedOn) for (const stream of feed.live) this.#call((g) => g.pipeline.streamEnd(stream));
    feed.live.clear();
    this.#ended = false;
  }

  #feed(): Feed {
    const live = new Set<string>();
    const feed: Feed = {
      live,
      retired: false,
      carriedOn: false,
      sink: {
        data: (stream, chunk, route, owner) => {
          live.add(stream);
          this.#call((g) => g.pipeline.data(stream, chunk, route, owner));
        },
        declare: (stream, route) => {
          live.add(stream);
          this.#call((g) => g.pipeline.declare(stream, route));
        },
        streamEnd: (stream, cut) => {
          live.delete(stream);
          if (!feed.carriedOn) this.#call((g) => g.pipeline.streamEnd(stream, cut));
        },
        end: () => {
          if (feed.retired) return;
          this.#ended = true;
          // Judged on delivery: a source replaced while this waited does not end the next source's pipeline.
          this.#call((g) => {
            if (!feed.retired) g.pipeline.end();
          });
        },
        warn: (message, details) => this.#log.warn(details ?? {}, message),
        info: (message, details) => this.#log.info(details ?? {}, message),
        // Kafka partitions revoked: durable and committed by whichever generation holds them (the next, mid-rebuild).
        handOff: (streams) => {
          if (this.#target) return this.#target.durability.handOff(streams);
          return new Promise((resolve, reject) => this.#waiting.push((g) => void g.durability.handOff(streams).then(resolve, reject)));
        },
      },
    };
    return feed;
  }

  #call(call: Call): void {
    if (this.#target) call(this.#target);
    else this.#waiting.push(call);
  }
}
