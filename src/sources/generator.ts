// `generator:` — synthetic access-log lines in-process, so `logpulse run` works with no input at all and tests
// and benchmarks need no producer. The line-making part is minimal for now; `logpulse gen` (SPEC §6) will
// replace `LineMaker` and keep this source's pacing.
import type { Source, SourceSink } from './source.js';

export type GeneratorFormat = 'json' | 'csv' | 'clf';

export interface LineMakerOptions {
  /** Same seed, same lines (timestamps aside: they are the wall clock). Null: a random seed. */
  seed?: number | null;
  format?: GeneratorFormat;
  /** Fraction of 404/500 lines (split evenly). Null: statuses 200/404/500 weighted 90/5/5 like genlogs_v2.py. */
  errorRate?: number | null;
}

export interface GeneratorSourceOptions extends LineMakerOptions {
  /** Defaults to `generator:`. */
  uri?: string;
  /** Lines per second; 0 = as fast as possible. Default 100. */
  rate?: number;
  /** Lines to produce before ending; null = unbounded. */
  count?: number | null;
}

const STREAM = 'generator:';
const DEFAULT_RATE = 100;
/** Paced mode wakes this often: small enough to look continuous, large enough to batch at high rates. */
const TICK_MS = 20;
/** Lines per delivered chunk (~1 MiB of JSON lines): the pipeline's unit of work. */
const CHUNK_LINES = 8192;
/** After a stall (GC, a busy event loop) at most this much backlog is caught up; the rest is skipped. */
const MAX_BACKLOG_S = 1;

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
const URL_COUNT = 10;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Makes one line at a time from a seeded PRNG. Each line draws the same number of numbers, whatever the format. */
export class LineMaker {
  readonly #next: () => number;
  readonly #format: GeneratorFormat;
  readonly #errorRate: number | null;

  constructor(options: LineMakerOptions = {}) {
    this.#next = sfc32(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.#format = options.format ?? 'json';
    this.#errorRate = options.errorRate ?? null;
  }

  /** One newline-terminated line stamped `nowUs` (microseconds since the epoch). */
  line(nowUs: number): string {
    const ip = `${1 + this.#int(223)}.${this.#int(256)}.${this.#int(256)}.${1 + this.#int(254)}`;
    const method = METHODS[this.#int(METHODS.length)] as string;
    const url = `/resource/${1 + this.#int(URL_COUNT)}`;
    const status = this.#status();
    const size = 200 + this.#int(4800);
    switch (this.#format) {
      case 'json':
        // Python json.dumps spacing, as genlogs_v2.py writes it.
        return `{"timestamp": "${isoMicros(nowUs)}", "ip": "${ip}", "method": "${method}", "url": "${url}", "status": ${status}}\n`;
      case 'csv':
        return `${isoMicros(nowUs)};${ip};${method};${url};${status}\n`;
      case 'clf':
        return `${ip} - - [${clfTime(nowUs)}] "${method} ${url} HTTP/1.1" ${status} ${size}\n`;
    }
  }

  #status(): number {
    const pick = this.#next() / 2 ** 32;
    const which = this.#int(2);
    if (this.#errorRate === null) return pick < 0.9 ? 200 : pick < 0.95 ? 404 : 500;
    return pick < this.#errorRate ? (which === 0 ? 404 : 500) : 200;
  }

  #int(n: number): number {
    return Math.floor((this.#next() / 2 ** 32) * n);
  }
}

export class GeneratorSource implements Source {
  readonly uri: string;
  readonly finite: boolean;
  readonly #rate: number;
  readonly #lines: LineMaker;
  #remaining: number;
  #sink: SourceSink | null = null;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  /** Pacing: lines due = rate × time since `#sinceMs`, counted from `#emittedThen` lines. Reset on resume. */
  #sinceMs = 0;
  #emittedThen = 0;
  #emitted = 0;
  #paused = false;
  #done = false;
  #stopped = false;

  constructor(options: GeneratorSourceOptions = {}) {
    this.uri = options.uri ?? 'generator:';
    this.#rate = options.rate ?? DEFAULT_RATE;
    if (!(this.#rate >= 0) || !Number.isFinite(this.#rate)) {
      throw optionError(`rate must be a number >= 0, got ${String(options.rate)}`);
    }
    const count = options.count ?? null;
    if (count !== null && !(Number.isSafeInteger(count) && count >= 0)) {
      throw optionError(`count must be an integer >= 0, got ${String(count)}`);
    }
    this.finite = count !== null;
    this.#remaining = count ?? Number.POSITIVE_INFINITY;
    this.#lines = new LineMaker(options);
  }

  start(sink: SourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) {
      return Promise.reject(stateError(`${this.uri} was already started or stopped`));
    }
    this.#sink = sink;
    this.#restartPacing();
    if (!this.#paused) this.#schedule(0);
    return Promise.resolve();
  }

  pause(): void {
    this.#paused = true;
    this.#cancel();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#sink === null || this.#done || this.#stopped) return;
    // Lines not made while paused are not owed: resuming must not burst.
    this.#restartPacing();
    this.#schedule(0);
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#cancel();
    return Promise.resolve();
  }

  #restartPacing(): void {
    this.#sinceMs = performance.now();
    this.#emittedThen = this.#emitted;
  }

  #tick(): void {
    this.#timer = null;
    this.#immediate = null;
    if (this.#paused || this.#stopped || this.#done) return;
    const sink = this.#sink as SourceSink;
    let due: number;
    if (this.#rate === 0) {
      due = CHUNK_LINES;
    } else {
      const now = performance.now();
      // +1: the first line comes at once, like genlogs_v2.py, rather than 1/rate seconds later.
      due = Math.floor(((now - this.#sinceMs) / 1000) * this.#rate) + 1 - (this.#emitted - this.#emittedThen);
      const cap = Math.max(1, Math.ceil(this.#rate * MAX_BACKLOG_S));
      if (due > cap) {
        due = cap;
        this.#sinceMs = now;
        this.#emittedThen = this.#emitted + due - 1;
      }
    }
    due = Math.min(due, this.#remaining);
    while (due > 0 && !this.#paused && !this.#stopped) {
      const n = Math.min(due, CHUNK_LINES);
      due -= n;
      this.#remaining -= n;
      this.#emitted += n;
      sink.data(STREAM, this.#chunk(n));
    }
    if (this.#stopped) return;
    if (this.#remaining === 0) {
      this.#done = true;
      sink.streamEnd(STREAM);
      sink.end();
      return;
    }
    if (!this.#paused) this.#schedule(this.#rate === 0 ? 0 : TICK_MS);
  }

  #chunk(lines: number): Buffer {
    const parts = new Array<string>(lines);
    for (let i = 0; i < lines; i++) parts[i] = this.#lines.line(wallMicros());
    const text = parts.join('');
    // Own ArrayBuffer (not Node's shared pool): the pipeline may transfer the chunk to a worker thread.
    const buf = Buffer.allocUnsafeSlow(text.length);
    buf.write(text, 'latin1');
    return buf;
  }

  /** 0 ms: setImmediate, so "as fast as possible" still lets I/O and timers run between chunks. */
  #schedule(ms: number): void {
    if (ms === 0) this.#immediate = setImmediate(() => this.#tick());
    else this.#timer = setTimeout(() => this.#tick(), ms);
  }

  #cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }
}

/** Wall-clock microseconds: Date.now() for the wall time, performance.now() only for the sub-millisecond digits. */
function wallMicros(): number {
  return Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000);
}

/** `2025-06-09T09:42:40.001034Z` — six fraction digits, as Python's isoformat() with a Z. */
function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // 2025-06-09T09:42:40.001Z
  return `${iso.slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

/** `09/Jun/2025:09:42:40 +0000` */
function clfTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** sfc32 (PractRand-clean, 32-bit, fast in JS), seeded from both halves of a safe-integer seed. */
function sfc32(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = seed >>> 0;
  let d = Math.floor(seed / 2 ** 32) >>> 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) next(); // let the seed's bits spread before the first line
  return next;
}

function optionError(message: string): Error {
  return Object.assign(new Error(`LP_ERR_SOURCE_OPTION: generator: ${message}`), { code: 'LP_ERR_SOURCE_OPTION' });
}

function stateError(message: string): Error {
  return Object.assign(new Error(`LP_ERR_SOURCE_STATE: ${message}`), { code: 'LP_ERR_SOURCE_STATE' });
}
