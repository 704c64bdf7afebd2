// When durable cuts run (durability.ts): on an interval (`output.rotateEvery`), and one after another — a cut asked
// for while one runs waits for it, so two never overlap.
export class CutTimer {
  #timer: NodeJS.Timeout | null = null;
  #everyMs: number;
  #tick: (() => void) | null = null;
  #running: Promise<void> = Promise.resolve();

  constructor(everyMs: number) {
    this.#everyMs = everyMs;
  }

  /** `tick` runs every interval from now on. */
  start(tick: () => void): void {
    this.#tick = tick;
    this.#timer = setInterval(tick, this.#everyMs);
    this.#timer.unref();
  }

  /** Timed cuts run (a retry after a failure is only worth it then). */
  get started(): boolean {
    return this.#timer !== null;
  }

  /** The interval changed (a reload): timed cuts run on the new one from now. */
  setEvery(ms: number): void {
    this.#everyMs = ms;
    if (this.#timer === null || this.#tick === null) return;
    clearInterval(this.#timer);
    this.start(this.#tick);
  }

  /** Runs `cut` after any running one. */
  chain(cut: () => Promise<void>): Promise<void> {
    const next = this.#running.catch(() => undefined).then(cut);
    this.#running = next;
    return next;
  }

  /** No more timed cuts; resolves when a running one is done. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running.catch(() => undefined);
  }
}
