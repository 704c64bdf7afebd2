// An owner alone in its group (owner.ts) stops fetching its state partitions between its own cuts. Nothing else
// writes on them then: its running counts reach it in-process, and its window state and progress come only with its
// own cuts. Every fetch it would make is an empty one, and an owner waiting at most 50 ms per fetch (for the early
// alerts of the other daemons, when there are some) costs the brokers about 4 % of a core doing nothing — on a small
// machine, a bounded read's speed (bench:cluster). So a partition is paused once it is read to its end past this
// session's newest published cut, and every paused one is resumed when the next cut is published, or at once when
// another daemon shows up (group-feed.ts sees its progress: a daemon's first record goes out before it reads a line).
import type * as RdKafka from 'node-rdkafka';

export interface QuietOptions {
  topic: string;
  /** Whether no other daemon of the group published progress lately (group-feed.ts `alone`). */
  alone: () => boolean;
  pause: (partitions: RdKafka.TopicPartition[]) => void;
  resume: (partitions: RdKafka.TopicPartition[]) => void;
  /**
   * Any request to the brokers leading `partitions`: librdkafka's broker thread, with nothing to fetch, sleeps up to
   * 1 s and a resume does not wake it (measured: a bounded read's end waited ~0.9 s for its owned windows); a request
   * queued for it does.
   */
  nudge: (partitions: RdKafka.TopicPartition[]) => void;
}

export class QuietPartitions {
  readonly #o: QuietOptions;
  readonly #paused = new Set<number>();
  /** Partition → the newest progress seq of this session read on it. */
  readonly #ownSeq = new Map<number, number>();
  /** The newest cut of this session published: a partition pauses only once its progress is read. */
  #publishedSeq = 0;

  constructor(o: QuietOptions) {
    this.#o = o;
  }

  /** Partitions assigned or revoked: all fetched again (librdkafka keeps an application's pause across an unassign). */
  reset(): void {
    this.wake();
    this.#ownSeq.clear();
  }

  /** This session's progress record read on `partition`. */
  ownProgress(partition: number, seq: number): void {
    if (seq > (this.#ownSeq.get(partition) ?? 0)) this.#ownSeq.set(partition, seq);
  }

  /** `partition` is read to its end (and caught up); it pauses when nothing more of this session's is due on it. */
  atEnd(partition: number): void {
    if (this.#paused.has(partition) || !this.#o.alone()) return;
    if ((this.#ownSeq.get(partition) ?? 0) < this.#publishedSeq) return; // the cut's commit markers are not readable yet
    if (this.#call(this.#o.pause, [partition])) this.#paused.add(partition);
  }

  /** A new session's seq numbers start again (a reload's rebuild). */
  newSession(): void {
    this.#publishedSeq = 0;
    this.#ownSeq.clear();
    this.wake();
  }

  /** A cut of this session is on the topic: its records are read (then the partitions pause again). */
  published(seq: number): void {
    this.#publishedSeq = Math.max(this.#publishedSeq, seq);
    this.wake();
  }

  /** Every paused partition fetched again (another daemon showed up, or a cut was published). */
  wake(): void {
    if (this.#paused.size === 0) return;
    if (this.#call(this.#o.resume, [...this.#paused])) this.#call(this.#o.nudge, [...this.#paused]);
    this.#paused.clear();
  }

  /** librdkafka refuses both while the consumer disconnects (a revoke at stop): nothing is fetched any more then. */
  #call(f: (partitions: RdKafka.TopicPartition[]) => void, partitions: number[]): boolean {
    try {
      f(partitions.map((partition) => ({ topic: this.#o.topic, partition })));
      return true;
    } catch {
      return false;
    }
  }

  /** Partitions paused now (for tests). */
  get paused(): number {
    return this.#paused.size;
  }
}
