// Progress of a batch on stderr: a bar redrawn in place on a terminal, else one structured log line per step (as
// the daemon logs), so CI logs and `2> file` stay readable.
import type { Logger } from '../log.js';

export interface Progress {
  /** Step `label` begins; steps are counted 1..total. */
  step(label: string): void;
  /** Clears the bar (a terminal); the caller logs the outcome. */
  end(): void;
}

const BAR_WIDTH = 24;

/** The bar text of step `i` of `total`: `[#########---------------] 3/8 url_stats`. */
export function barText(i: number, total: number, label: string): string {
  const filled = Math.round((BAR_WIDTH * i) / Math.max(total, 1));
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${i}/${total} ${label}`;
}

export function createProgress(total: number, log: Logger, stream: NodeJS.WriteStream = process.stderr): Progress {
  let i = 0;
  if (stream.isTTY !== true) {
    return {
      step: (label) => log.info({ step: ++i, of: total, label }, `batch: ${label}`),
      end: () => {},
    };
  }
  return {
    step: (label) => stream.write(`\r\x1b[2K${barText(++i, total, label)}`),
    end: () => stream.write('\r\x1b[2K'),
  };
}
