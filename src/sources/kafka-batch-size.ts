// How many messages the next consume call asks for. node-rdkafka's `consume(n)` returns only once it has n
// messages or no message came for the consume timeout: at a steady 1,000 messages/s a call for 10,000 returned after
// 10 s (issue 18: alerts 9 s late). So the count follows the rate seen: about FILL_MS worth of messages, at least
// one (a lone message is handed over at once), at most MAX_BATCH (a backlog is read in big batches, which is
// what throughput needs). A call that filled within FILL_MS asks for twice as many next time.

export const MAX_BATCH = 10_000;
/** How long a call may spend collecting its messages: the latency a steady stream adds before parsing. */
export const FILL_MS = 5;

export class ConsumeBatchSize {
  #size = 1;

  /** The count for the next call. */
  get next(): number {
    return this.#size;
  }

  /** A call asked for `asked` messages and returned `got` after `ms`. */
  observe(asked: number, got: number, ms: number): void {
    if (got < asked) {
      // It ended waiting for a message that did not come: the rate is below `asked` per call; ask for what came.
      this.#size = Math.max(1, got);
    } else if (ms <= FILL_MS) {
      this.#size = Math.min(MAX_BATCH, asked * 2);
    } else {
      // Full, but slower than FILL_MS: the count that fills in FILL_MS at this rate.
      this.#size = Math.max(1, Math.min(MAX_BATCH, Math.floor((got * FILL_MS) / ms)));
    }
  }
}
