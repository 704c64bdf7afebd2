// One cli-progress bar at the bottom of the terminal (stderr), registered as terminal.ts's live line so log lines
// and the console table are written above it. cli-progress's MultiBar (with a single bar) is the kind that can
// write lines above itself; its own timer redraws at `fps`.
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

import { clearLiveLine, type LiveLine, setLiveLine } from './terminal.js';

export type BarPayload = Record<string, string | number>;

export class LiveBar {
  readonly #bars: MultiBar;
  readonly #bar: SingleBar;
  readonly #live: LiveLine;
  #stopped = false;

  /** `format`: cli-progress placeholders ({bar}, {percentage}, {eta_formatted}, {value}, {total}) and the payload's keys. */
  constructor(format: string, total: number, value: number, payload: BarPayload, fps = 4) {
    const bars = new MultiBar(
      { stream: process.stderr, format, fps, barsize: 24, clearOnComplete: true, hideCursor: false, gracefulExit: false, forceRedraw: true },
      Presets.shades_classic,
    );
    this.#bars = bars;
    this.#bar = bars.create(total, value, payload);
    this.#live = {
      writeAbove: (text) => {
        bars.log(text);
        bars.update();
      },
    };
    setLiveLine(this.#live);
  }

  update(value: number, total: number, payload: BarPayload): void {
    this.#bar.setTotal(total);
    this.#bar.update(value, payload);
  }

  /** Writes what was logged above it, then removes the bar from the screen. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearLiveLine(this.#live);
    this.#bars.update();
    this.#bars.stop();
  }
}
