// What a run shows while it reads a finite input, and how it ends. On a terminal: a cli-progress bar on stderr
// (done of total, lines/s, errors, ETA) redrawn in place a few times a second, cleared at the end and replaced by
// one summary line. Off a terminal: a `progress` log line every 10 s. Either way a run whose lines are almost all
// rejected is warned about as soon as it shows, and again at the end.
//
// Nothing here is on the hot path: one timer samples the counters the pipeline and the source keep anyway
// (`totals`, `Source.progress()`); no line, chunk or record ever calls in here.
import type { Logger } from '../log.js';
import type { PipelineTotals } from '../pipeline/totals.js';
import type { Source, SourceProgress } from '../sources/source.js';
import { LiveBar } from '../live-bar.js';
import { writeAbove } from '../terminal.js';
import { bytes, count, mostlyRejected, summaryLine } from './run-summary.js';

/** How often the counters are sampled (the bar redraws at most as often). */
const SAMPLE_MS = 250;
const BAR_FORMAT = '{bar} {percentage}% | {done} of {all} | {rate} lines/s | {errors} errors | ETA {eta_formatted}';
/** Off a terminal: one progress log line this often. */
export const PROGRESS_LOG_MS = 10_000;

export interface ProgressInputs {
  /** The running source (a reload may replace it). */
  source: () => Source;
  totals: () => Readonly<PipelineTotals>;
  log: Logger;
  /** A bar on stderr (a terminal), or log lines. */
  tty: boolean;
}

export class ProgressView {
  readonly #in: ProgressInputs;
  #started = performance.now();
  #timer: NodeJS.Timeout | null = null;
  #bar: LiveBar | null = null;
  #lastLog = performance.now();
  #warned = false;

  constructor(inputs: ProgressInputs) {
    this.#in = inputs;
  }

  /** From the source's start: the elapsed time and lines/s of the summary count from here. */
  start(): void {
    this.#started = performance.now();
    this.#lastLog = this.#started;
    this.#timer = setInterval(() => this.#sample(), SAMPLE_MS);
    this.#timer.unref();
    // The bar is there from the first moment (at 0 %), not a sample later: a short run shows it too.
    this.#sample();
  }

  /** Stops sampling, clears the bar and says how the run ended (the summary line on a terminal). */
  finish(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#stopBar();
    const totals = this.#in.totals();
    const seconds = this.#seconds();
    const rejected = mostlyRejected(totals, 1);
    if (rejected !== null) this.#in.log.warn({ lines: totals.lines, rejected: totals.rejected }, rejected);
    if (this.#in.tty) writeAbove(`${summaryLine(totals, seconds)}\n`);
  }

  #sample(): void {
    const totals = this.#in.totals();
    if (!this.#warned) {
      const rejected = mostlyRejected(totals);
      if (rejected !== null) {
        this.#warned = true;
        this.#in.log.warn({ lines: totals.lines, rejected: totals.rejected }, rejected);
      }
    }
    const progress = this.#in.source().progress?.() ?? null;
    if (progress === null) return;
    const rate = totals.lines / Math.max(this.#seconds(), 0.001);
    if (this.#in.tty) this.#draw(progress, totals, rate);
    else if (performance.now() - this.#lastLog >= PROGRESS_LOG_MS) {
      this.#lastLog = performance.now();
      const percent = progress.total > 0 ? Math.round((progress.done / progress.total) * 1000) / 10 : 100;
      this.#in.log.info({ ...progress, percent, lines: totals.lines, linesPerSecond: Math.round(rate), errors: totals.errors, rejected: totals.rejected }, 'progress');
    }
  }

  #draw(progress: SourceProgress, totals: Readonly<PipelineTotals>, rate: number): void {
    const shown = (n: number) => (progress.unit === 'bytes' ? bytes(n) : `${count(n)} records`);
    const payload = { done: shown(progress.done), all: shown(progress.total), rate: count(rate), errors: count(totals.errors) };
    if (this.#bar === null) this.#bar = new LiveBar(BAR_FORMAT, progress.total, progress.done, payload, 1000 / SAMPLE_MS);
    else this.#bar.update(progress.done, progress.total, payload);
  }

  #stopBar(): void {
    this.#bar?.stop();
    this.#bar = null;
  }

  #seconds(): number {
    return (performance.now() - this.#started) / 1000;
  }
}
