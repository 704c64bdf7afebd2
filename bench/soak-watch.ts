// What the soak does beside the lines, and what it measures (issue 20): the API used as an operator and the
// dashboard use it — /windows and /metrics polled every second, one Server-Sent Events client on /events held
// open — and the daemon's resident memory and open file descriptors sampled every second from /proc; and its
// error records pruned so that the disk does not fill.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import { rssMiB } from '../test/support/proc-tree.js';
import type { SoakSamples } from './soak-results.js';

/**
 * RSS (VmRSS, MiB) and /proc/PID/fd entries of one process, every `everyMs`, timed from construction; with each,
 * `heapMb()` (the JS heap the API last reported).
 */
export class RssFdSampler {
  readonly samples: Required<SoakSamples> = { t: [], rssMb: [], fds: [], heapMb: [] };
  readonly #pid: number;
  readonly #heapMb: () => number;
  readonly #t0 = performance.now();
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number, heapMb: () => number, everyMs = 1000) {
    this.#pid = pid;
    this.#heapMb = heapMb;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
  }

  #sample(): void {
    try {
      const rss = rssMiB(this.#pid);
      const fds = readdirSync(`/proc/${this.#pid}/fd`).length;
      this.samples.t.push(+((performance.now() - this.#t0) / 1000).toFixed(2));
      this.samples.rssMb.push(+rss.toFixed(1));
      this.samples.fds.push(fds);
      this.samples.heapMb.push(+this.#heapMb().toFixed(1));
    } catch {
      // gone (it exited): the run's end tells why
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** `logpulse_lines_total` of a /metrics text (summed over its label sets), or NaN. */
export function linesTotal(metrics: string): number {
  let sum = Number.NaN;
  for (const m of metrics.matchAll(/^logpulse_lines_total(?:\{[^}]*\})? ([0-9.e+]+)$/gm)) sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[1]);
  return sum;
}

/** A gauge of a /metrics text, or NaN. */
export function gauge(metrics: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : Number.NaN;
}

/** Polls /windows and /metrics every second and keeps an SSE client on /events (counting its events). */
export class ApiLoad {
  polls = 0;
  pollErrors = 0;
  sseEvents = 0;
  /** logpulse_lines_total at the last /metrics poll. */
  lines = Number.NaN;
  /** nodejs_heap_size_used_bytes at the last /metrics poll, in MiB: the main thread's JS heap (workers have their own). */
  heapMb = Number.NaN;
  readonly #timer: NodeJS.Timeout;
  readonly #sse: ReturnType<typeof request>;
  #polling = false;

  constructor(apiUrl: string, everyMs = 1000) {
    this.#timer = setInterval(() => void this.#poll(apiUrl), everyMs);
    this.#sse = request(`${apiUrl}/events`, { headers: { accept: 'text/event-stream' } }, (res) => {
      let partial = '';
      res.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        for (const p of parts) if (p.startsWith('event:')) this.sseEvents++;
      });
    });
    this.#sse.on('error', () => this.pollErrors++);
    this.#sse.end();
  }

  async #poll(apiUrl: string): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const windows = await fetch(`${apiUrl}/windows?limit=100`);
      await windows.arrayBuffer();
      const metrics = await fetch(`${apiUrl}/metrics`);
      const text = await metrics.text();
      if (!windows.ok || !metrics.ok) this.pollErrors++;
      else {
        this.polls++;
        const n = linesTotal(text);
        if (Number.isFinite(n)) this.lines = n;
        this.heapMb = gauge(text, 'nodejs_heap_size_used_bytes') / 1024 / 1024;
      }
    } catch {
      this.pollErrors++;
    } finally {
      this.#polling = false;
    }
  }

  /** The /metrics lines total now (one more poll). */
  async linesNow(apiUrl: string): Promise<number> {
    try {
      const n = linesTotal(await (await fetch(`${apiUrl}/metrics`)).text());
      if (Number.isFinite(n)) this.lines = n;
    } catch {
      this.pollErrors++;
    }
    return this.lines;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#sse.destroy();
  }
}

/**
 * Keeps the soak's disk bounded (a stand-in for output retention): every 10 s, completed files (never a `.part`)
 * in `errors/` and `rejected/` older than a minute are deleted, as logrotate would. At 50 % errors and
 * 10,000 lines/s errors/ gains ~2.3 GB an hour; the daemon's memory is what the soak measures, not its disk.
 */
export class OutputPruner {
  deleted = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(outDir: string) {
    this.#timer = setInterval(() => {
      const old = Date.now() - 60_000;
      for (const kind of ['errors', 'rejected']) {
        const dir = join(outDir, kind);
        let names: string[];
        try {
          names = readdirSync(dir);
        } catch {
          continue; // not created yet
        }
        for (const n of names) {
          if (n.endsWith('.part')) continue;
          try {
            if (statSync(join(dir, n)).mtimeMs < old) {
              rmSync(join(dir, n));
              this.deleted++;
            }
          } catch {
            // gone already
          }
        }
      }
    }, 10_000);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
