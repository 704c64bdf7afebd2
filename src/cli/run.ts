// `logpulse run`: flags → config → a running daemon → exit code. SIGHUP re-reads the config; SIGTERM/SIGINT stop
// the daemon gracefully (src/daemon/shutdown.ts).
import { formatProblem } from '../config/problems.js';
import { type Config, type FlagOverrides, loadConfig } from '../config/load.js';
import { Daemon } from '../daemon/daemon.js';
import { LogpulseError } from '../errors.js';
import { installSignals } from '../daemon/shutdown.js';
import { createLogger, type Logger } from '../log.js';

export interface RunOptions extends FlagOverrides {
  config?: string;
}

export async function runCommand(opts: RunOptions): Promise<number> {
  const { config: path, ...flags } = opts;
  const loaded = loadConfig(path, flags);
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
    return 2;
  }
  const config = loaded.config;
  const log = createLogger(config.log.level);

  let daemon: Daemon;
  try {
    daemon = await Daemon.create(config, log);
  } catch (err) {
    // A source URI or Kafka setting this build cannot use; anything else (an output dir that cannot be made) is a
    // runtime failure, reported by main.ts with exit 1.
    if (!(err instanceof LogpulseError)) throw err;
    process.stderr.write(`source: ${err.message}\n`);
    return err.exitCode;
  }
  const uninstall = installSignals({
    stop: (signal) => {
      log.info({ signal }, 'stopping: draining in-flight data');
      daemon.stop(signal);
    },
    second: (signal) => log.warn({ signal }, 'second stop signal: exiting now without draining'),
    reload: () => daemon.configReloaded(reload(path, flags, config, log)),
  });
  try {
    return await daemon.run();
  } finally {
    uninstall();
  }
}

/**
 * SIGHUP: the log level applies at once; every other section is wired into running parts at start-up, so it is
 * compared with what runs (and reported again on each reload until a restart applies it). False when the file
 * is bad (the running config is kept).
 */
function reload(path: string | undefined, flags: FlagOverrides, running: Config, log: Logger): boolean {
  const next = loadConfig(path, flags);
  if (!next.ok) {
    log.error({ problems: next.problems.map(formatProblem) }, 'SIGHUP: new config is invalid; keeping the running one');
    return false;
  }
  const changed = (Object.keys(next.config) as (keyof Config)[]).filter(
    (k) => k !== 'log' && JSON.stringify(next.config[k]) !== JSON.stringify(running[k]),
  );
  log.level = next.config.log.level;
  if (changed.length === 0) log.info('SIGHUP: config reloaded');
  else log.info({ restartNeeded: changed }, 'SIGHUP: config reloaded; these sections apply after a restart');
  return true;
}
