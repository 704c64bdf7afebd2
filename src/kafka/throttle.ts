// librdkafka repeats an error for every broker connection and every retry ("all broker connections are down"
// dozens of times a second): the same message is logged at most once per interval.
export class Throttle {
  readonly #everyMs: number;
  readonly #last = new Map<string, number>();

  constructor(everyMs: number) {
    this.#everyMs = everyMs;
  }

  /** True when `key` was not let through within the interval (and records it now). */
  due(key: string, now = Date.now()): boolean {
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.#everyMs) return false;
    this.#last.set(key, now);
    return true;
  }
}
