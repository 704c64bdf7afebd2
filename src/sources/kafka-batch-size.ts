// How many messages the next consume call asks for. node-rdkafka's `consume(n)` returns only once it has n
// messages or no message came for the consume timeout: at a steady 1,000 messages/s a call for 10,000 returned after
// 10 s (issue 18: alerts 9 s late). So the count follows the rate seen: about FILL_MS worth of messages, at least
// one (a lone message is handed over at once), at most MAX_BATCH (a backlog is read in big batches, which is
// what throughput needs). A call that filled within FILL_MS asks for twice as many next time; so does a full call
// while the partitions hold a whole MAX_BATCH more (a backlog), however long it took: a call's time includes the
// wait for this thread to hand the previous batch over, so on a busy daemon the time rule alone kept calls at ~500
// messages, each paid its fixed cost, and 100 k messages/s fell ever further behind (crossing → alert p50 5.1 s;
// 1.1 s with this rule, same machine, alternated). Not on less than MAX_BATCH: at a steady rate the broker always
// holds what arrived since the last fetch, and doubling on it grew calls that then waited for their messages.
// (Timing calls from when the thread was free instead, tried too, cost 10–20 ms of p50 at 1 k messages/s.)

export const MAX_BATCH = 10_000;
/** How long a call may spend collecting its messages: the latency a steady stream adds before parsing. */
export const FILL_MS = 5;

export class ConsumeBatchSize {
  #size = 1;

  /** The count for the next call. */
  get next(): number {
    return this.#size;
  }

  /**
   * A call asked for `asked` messages and returned `got` after `ms`; `behind`: messages still on the broker past
   * the last one it returned, over the partitions it returned messages of (0 when unknown).
   */
  observe(asked: number, got: number, ms: number, behind = 0): void {
    if (got < asked) {
      // It ended waiting for a message that did not come: the rate is below `asked` per call; ask for what came.
      this.#size = Math.max(1, got);
    } else if (ms <= FILL_MS || behind >= MAX_BATCH) {
      this.#size = Math.min(MAX_BATCH, asked * 2);
    } else {
      // Full, but slower than FILL_MS: the count that fills in FILL_MS at this rate.
      this.#size = Math.max(1, Math.min(MAX_BATCH, Math.floor((got * FILL_MS) / ms)));
    }
  }
}

/** What a batch leaves behind on the broker: per partition in it, the high watermark minus the next offset. */
export function backlogAfter(messages: readonly { partition: number; offset: number }[], highWatermark: (partition: number) => number): number {
  const next = new Map<number, number>();
  for (const m of messages) next.set(m.partition, m.offset + 1);
  let behind = 0;
  for (const [partition, offset] of next) behind += Math.max(0, highWatermark(partition) - offset);
  return behind;
}
