// A replayable source's `hold()`: from that call on nothing reaches the sink until `release()`, so that the
// positions a durable cut reads and the state it saves agree. What the source produces meanwhile (at most the
// chunk of a read already under way: a held source stops reading) waits here, in order.
export class HeldCalls {
  #held = false;
  #queue: (() => void)[] = [];

  get held(): boolean {
    return this.#held;
  }

  hold(): void {
    this.#held = true;
  }

  /** Makes every waiting call, in order; new calls go straight through again. */
  release(): void {
    this.#held = false;
    const queue = this.#queue;
    this.#queue = [];
    for (const call of queue) call();
  }

  /** Now, or at `release`. */
  run(call: () => void): void {
    if (this.#held) this.#queue.push(call);
    else call();
  }

  /** The source stopped while held: what waited is never delivered (the checkpoint's positions are before it). */
  drop(): void {
    this.#queue = [];
  }
}
