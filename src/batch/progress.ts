// Progress of a batch on stderr: a cli-progress bar redrawn in place on a terminal (steps done, the current one,
// ETA), else one structured log line per step (as the daemon logs), so CI logs and `2> file` stay readable.
import { LiveBar } from '../live-bar.js';
import type { Logger } from '../log.js';

export interface Progress {
  /** Step `label` begins; steps are counted 1..total. */
  step(label: string): void;
  /** Clears the bar (a terminal); the caller logs the outcome. */
  end(): void;
}

export function createProgress(total: number, log: Logger, stream: NodeJS.WriteStream = process.stderr): Progress {
  let i = 0;
  if (stream.isTTY !== true) {
    return {
      step: (label) => log.info({ step: ++i, of: total, label }, `batch: ${label}`),
      end: () => {},
    };
  }
  let bar: LiveBar | null = null;
  return {
    step: (label) => {
      const payload = { label };
      if (bar === null) bar = new LiveBar('{bar} {value}/{total} {label} | ETA {eta_formatted}', total, i, payload);
      else bar.update(i, total, payload);
      i++;
    },
    end: () => bar?.stop(),
  };
}
