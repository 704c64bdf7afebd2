// The writer chain of RotatingFileSink. Every file-system call runs on one promise chain, so there are never two
// concurrent calls on one fd and bytes land in the order `write` accepted them. A failing call (full disk, EIO,
// a removed directory, …) is retried with backoff until it succeeds or `destroy()` gives up: the bytes it
// carries are never dropped, they wait in memory.
//
// Its own class because the sink and its files (part-writer.ts) both run calls on it, and giving up has to
// reach a call wherever it waits: queued, running, or asleep between two attempts.

const noop = (): void => {};

export interface RetryChainOptions {
  /** Delay after a failed call, doubling up to `retryMaxMs`. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Told of the first failure of a streak (the first failure after a success); the chain retries regardless. */
  onFailure: (op: string, path: string, err: unknown) => void;
  /** Told when a call succeeds after a streak of failures: the file system works again. */
  onRecovered?: () => void;
  /** What every call queued or retrying throws once `destroy()` was called. */
  destroyedError: () => Error;
}

export class RetryChain {
  readonly #o: RetryChainOptions;
  #chain: Promise<void> = Promise.resolve();
  #destroyed = false;
  #failing = false;
  #retry: { timer: NodeJS.Timeout; wake: () => void } | null = null;

  constructor(options: RetryChainOptions) {
    this.#o = options;
  }

  /** Runs `op` after every call queued before it. */
  enqueue<T = void>(op: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(() => {
      this.checkAlive();
      return op();
    });
    this.#chain = run.then(noop, noop);
    return run;
  }

  /** Runs `attempt` until it succeeds (or `destroy()`), backing off; the first failure of a streak is reported. */
  async retrying<T>(op: string, path: string, attempt: () => Promise<T>): Promise<T> {
    let delay = this.#o.retryMinMs;
    let failed = false;
    for (;;) {
      this.checkAlive();
      try {
        const result = await attempt();
        if (failed && this.#failing) {
          this.#failing = false;
          this.#o.onRecovered?.();
        }
        return result;
      } catch (err) {
        this.checkAlive();
        if (!this.#failing) {
          this.#failing = true;
          this.#o.onFailure(op, path, err);
        }
        failed = true;
        await this.#sleep(delay);
        delay = Math.min(delay * 2, this.#o.retryMaxMs);
      }
    }
  }

  /** A call is failing now (between the first failure of a streak and the next success). */
  get failing(): boolean {
    return this.#failing;
  }

  /** Throws the destroyed error once `destroy()` was called: long loops call it between steps. */
  checkAlive(): void {
    if (this.#destroyed) throw this.#o.destroyedError();
  }

  /** Stops retrying: a call asleep between attempts wakes and throws, and so does every queued one. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    if (this.#retry) {
      clearTimeout(this.#retry.timer);
      this.#retry.wake();
      this.#retry = null;
    }
    await this.#chain;
  }

  /** Ref'd on purpose: while bytes are at risk the process must not exit just because nothing else is pending. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#retry = null;
        resolve();
      }, ms);
      this.#retry = { timer, wake: resolve };
    });
  }
}
