// SIGHUP reloads; the first SIGTERM/SIGINT stops gracefully; a second one exits at once. Output files are
// written as `.part` and renamed only when complete, so exiting at any moment leaves no corrupt visible file
// (a leftover `.part` is recovered on the next start).
import type { Logger } from '../log.js';

export interface SignalHandlers {
  reload: () => void;
  stop: (signal: NodeJS.Signals) => void;
}

export function installSignalHandlers(log: Logger, handlers: SignalHandlers): () => void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second stop signal: exiting now without draining');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping: draining in-flight data');
    handlers.stop(signal);
  };
  const onHup = () => handlers.reload();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  };
}
