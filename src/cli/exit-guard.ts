// A stopped daemon must end even when something it opened still holds the event loop (a socket, a retry timer,
// a worker that does not terminate): that is a bug to fix, but an operator's `systemctl stop` must not hang on
// it. The guard is unref'd, so a process that ends by itself never waits for it; when it fires it names what is
// still alive (process.getActiveResourcesInfo), so the bug can be found.
import type { Logger } from '../log.js';

/** Exits with `code` if the process is still running `afterMs` from now, saying what kept it alive. */
export function exitIfStillRunning(log: Logger, afterMs: number, code: number, when: string): void {
  const timer = setTimeout(() => {
    log.error({ afterMs, alive: process.getActiveResourcesInfo() }, `still running ${afterMs} ms after ${when}; exiting`);
    process.exit(code);
  }, afterMs);
  timer.unref();
}
