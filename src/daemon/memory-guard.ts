// Holds the daemon to its memory limit (memory-limit.ts) by the same path a slow disk takes: backpressure. It
// samples the process's resident memory (one cheap read) every 250 ms; above the limit it says "over", the
// pipeline's backpressure pauses the source while anything read is still on its way out (a chunk queued to a
// worker, output files of more than 8 MiB not yet complete, which the daemon's guard has completed at once rather
// than at the next rotation) — what pausing actually frees — and below 90 % of the limit
// it says "under" again and the source resumes. A paused source loses nothing: a file is not read, TCP sockets
// are not read (their senders block), a Kafka consumer stops fetching, the generator waits. Over the limit with
// nothing left to drain, the source reads one more chunk at a time: memory the daemon cannot free by waiting (its
// open windows, the allocator's slack) must not stop it for good. One warning when it starts, a reminder every
// 30 s while it lasts, one line when it ends (a limit that flaps is said at most every 30 s); `/ready` is 503
// meanwhile (`checks.memory`).
import type { ReadinessCheck } from '../api/health.js';
import type { Logger } from '../log.js';
import { MEMORY_PENDING_BYTES } from '../pipeline/backpressure.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { describeMemoryLimit, type MemoryLimit, memoryLimit } from './memory-limit.js';
import type { Outputs } from './outputs.js';

/** How often resident memory is sampled. */
export const MEMORY_SAMPLE_MS = 250;
/** Sources resume once resident memory is below this share of the limit. */
export const RESUME_SHARE = 0.9;
/** How often a stretch over the limit is logged again. */
export const MEMORY_REMINDER_MS = 30_000;

export interface MemoryGuardOptions {
  limit: MemoryLimit;
  log: Logger;
  /** Told on every sample while over the limit and when it ends (backpressure re-checks). */
  onChange: () => void;
  /** Resident bytes now; default `process.memoryUsage.rss()`. */
  rss?: () => number;
  sampleMs?: number;
  reminderMs?: number;
  now?: () => number;
}

export class MemoryGuard {
  readonly #o: MemoryGuardOptions;
  readonly #rss: () => number;
  readonly #now: () => number;
  #limit: MemoryLimit;
  #timer: NodeJS.Timeout | null = null;
  #over = false;
  #since = 0;
  /** When a line about it was last logged (-∞: never); whether the stretch going on now was said (its end is said only then). */
  #lastSaid = Number.NEGATIVE_INFINITY;
  #said = false;
  #lastRss = 0;
  /** Stretches over the limit so far. */
  stretches = 0;

  constructor(options: MemoryGuardOptions) {
    this.#o = options;
    this.#limit = options.limit;
    this.#rss = options.rss ?? (() => process.memoryUsage.rss());
    this.#now = options.now ?? Date.now;
  }

  /** Bytes of resident memory above which sources pause; null: no limit. */
  get limitBytes(): number | null {
    return this.#limit.bytes;
  }

  /** Over the limit now (not yet back under 90 % of it). */
  get over(): boolean {
    return this.#over;
  }

  start(): void {
    if (this.#timer || this.#limit.bytes === null) return;
    this.#o.log.info({ maxMemoryBytes: this.#limit.bytes, from: this.#limit.from }, `memory limit: ${describeMemoryLimit(this.#limit)}`);
    this.#timer = setInterval(() => this.sample(), this.#o.sampleMs ?? MEMORY_SAMPLE_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** A reload changed `limits.maxMemory` (`configured`, 0: from the cgroup): judged against it from the next sample on. */
  setMaxMemory(configured: number): void {
    this.setLimit(memoryLimit(configured));
  }

  setLimit(limit: MemoryLimit): void {
    this.#limit = limit;
    const running = this.#timer !== null;
    this.stop();
    if (limit.bytes === null && this.#over) this.#end();
    if (running || limit.bytes !== null) this.start();
  }

  /** One reading of resident memory, and what it changes. */
  sample(): void {
    const limit = this.#limit.bytes;
    if (limit === null) return;
    const rss = this.#rss();
    this.#lastRss = rss;
    if (!this.#over && rss > limit) {
      this.#over = true;
      this.stretches++;
      this.#since = this.#now();
      // A limit that flaps (just at it) is said at most once per reminder period too.
      this.#said = this.#since - this.#lastSaid >= this.#reminderMs;
      if (this.#said) this.#lastSaid = this.#since;
      if (this.#said) this.#o.log.warn({ rssBytes: rss, maxMemoryBytes: limit }, `resident memory over limits.maxMemory; sources paused until it is below ${RESUME_SHARE * 100} % of it (nothing is dropped)`);
    } else if (this.#over && rss < limit * RESUME_SHARE) {
      this.#end();
    } else if (this.#over && this.#now() - this.#lastSaid >= this.#reminderMs) {
      this.#lastSaid = this.#now();
      this.#said = true;
      this.#o.log.warn({ rssBytes: rss, maxMemoryBytes: limit, overSeconds: this.#seconds() }, 'resident memory still over limits.maxMemory; sources paused while output drains');
    }
    if (this.#over) this.#o.onChange();
  }

  /** `/ready`'s `memory` check; null without a limit. */
  readiness(): ReadinessCheck | null {
    const limit = this.#limit.bytes;
    if (limit === null) return null;
    const rss = this.#lastRss || this.#rss();
    const said = `resident ${rss} bytes, limit ${limit} (${describeMemoryLimit(this.#limit)})`;
    return this.#over ? { ok: false, detail: `sources paused for ${this.#seconds()} s: ${said}; resuming below ${RESUME_SHARE * 100} %` } : { ok: true, detail: said };
  }

  #end(): void {
    this.#over = false;
    if (this.#said) this.#o.log.info({ rssBytes: this.#lastRss, maxMemoryBytes: this.#limit.bytes, overSeconds: this.#seconds() }, 'resident memory back under limits.maxMemory; sources resume');
    this.#o.onChange();
  }

  get #reminderMs(): number {
    return this.#o.reminderMs ?? MEMORY_REMINDER_MS;
  }

  #seconds(): number {
    return Math.round((this.#now() - this.#since) / 1000);
  }
}

/** What the guard acts on: the running generation's outputs and pipeline (undefined before the first is built). */
interface Relieved {
  outputs: Pick<Outputs, 'completeEarly'>;
  pipeline: Pick<Pipeline, 'recheckBackpressure'>;
}

/**
 * A daemon's guard (`rss`: injectable for tests): on each reading over the limit the outputs complete the files holding more than a few MiB (their
 * bytes leave memory now, not at the next rotation) and backpressure re-checks; back under, the source resumes.
 */
export function daemonMemoryGuard(maxMemory: number, log: Logger, running: () => Relieved | undefined, rss?: () => number): MemoryGuard {
  const guard: MemoryGuard = new MemoryGuard({
    limit: memoryLimit(maxMemory),
    log,
    ...(rss ? { rss } : {}),
    onChange: () => {
      const gen = running();
      if (gen && guard.over) gen.outputs.completeEarly(MEMORY_PENDING_BYTES);
      gen?.pipeline.recheckBackpressure();
    },
  });
  return guard;
}
