// `logpulse run`: flags → config → a running daemon → exit code. SIGHUP reloads the config (the daemon applies it:
// daemon.ts, reload-plan.ts); SIGTERM/SIGINT stop the daemon gracefully (src/daemon/shutdown.ts).
import { formatProblem } from '../config/problems.js';
import { type FlagOverrides, loadConfig } from '../config/load.js';
import { Daemon, type LoadedConfig } from '../daemon/daemon.js';
import { LogpulseError } from '../errors.js';
import { resetCheckpoint } from '../daemon/checkpoint.js';
import { ConfigWatch } from '../daemon/config-watch.js';
import { writePidFile } from '../daemon/pid-file.js';
import { installSignals } from '../daemon/shutdown.js';
import { setFileModes } from '../file-modes.js';
import { createLogger, isPretty } from '../log.js';
import { redactText } from '../redact.js';
import { writeAbove } from '../terminal.js';
import { packageVersion } from '../version.js';
import { bannerFacts, showBanner } from './banner.js';
import { exitIfStillRunning } from './exit-guard.js';
import { ProgressView } from './progress-view.js';

/** How long a run that has ended may take to let go of its last handles before it is made to exit. */
const LINGER_MS = 5_000;

export interface RunOptions extends FlagOverrides {
  config?: string;
}

/** What `run` does besides the daemon: where it writes its pid, whether it watches its config file. */
export interface RunProcessOptions {
  pidFile?: string | undefined;
  watchConfig?: boolean;
  /** Move the checkpoint aside before starting (a checkpoint the start cannot read names this flag). */
  resetCheckpoint?: boolean;
}

export async function runCommand(opts: RunOptions, proc: RunProcessOptions = {}): Promise<number> {
  const { config: path, ...flags } = opts;
  if (proc.watchConfig && path === undefined) {
    process.stderr.write(`${new LogpulseError('LP_ERR_ARGS', '--watch-config: needs a config file (-c FILE) to watch').message}\n`);
    return 2;
  }
  const loaded = loadConfig(path, flags);
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
    return 2;
  }
  const config = loaded.config;
  setFileModes(config.output);
  const log = createLogger(config.log.level, config.log.format);
  // For a person (pretty logs): the banner as text and, on a terminal, the progress bar; else log lines.
  const human = isPretty(config.log.format);

  if (proc.resetCheckpoint) {
    const aside = await resetCheckpoint(config.checkpoint.dir);
    log.warn({ dir: config.checkpoint.dir, movedTo: aside }, aside === null ? '--reset-checkpoint: there was no checkpoint' : '--reset-checkpoint: checkpoint moved aside; starting without its open windows and source positions');
  }
  let removePidFile = () => {};
  let daemon: Daemon;
  try {
    if (proc.pidFile !== undefined) removePidFile = writePidFile(proc.pidFile);
    daemon = await Daemon.create(config, log);
  } catch (err) {
    removePidFile();
    // A source URI or Kafka setting this build cannot use, a pid file that cannot be written; anything else (an
    // output dir that cannot be made) is a runtime failure, reported by main.ts with exit 1.
    if (!(err instanceof LogpulseError)) throw err;
    process.stderr.write(`${err.code === 'LP_ERR_PID_FILE' ? '' : 'source: '}${redactText(err.message)}\n`);
    return err.exitCode;
  }
  const uninstall = installSignals({
    stop: (signal) => {
      log.info({ signal }, 'stopping: draining in-flight data');
      daemon.stop(signal);
      // shutdownTimeout bounds the drain itself (shutdown.ts); this bounds everything after it as well.
      exitIfStillRunning(log, daemon.config.shutdownTimeoutMs + LINGER_MS, 1, 'the stop signal');
    },
    second: (signal) => log.warn({ signal }, 'second stop signal: exiting now without draining'),
    reload: () => void daemon.reload(() => loadForReload(path, flags), 'SIGHUP'),
  });
  const watch =
    proc.watchConfig && path !== undefined
      ? new ConfigWatch({
          path,
          changed: () => void daemon.reload(() => loadForReload(path, flags), 'config file changed'),
          unchanged: () => log.debug({ path }, '--watch-config: the file was written but its content is the same; no reload'),
          failed: (err) => log.error({ err: err.message, path }, '--watch-config: cannot watch the config file; SIGHUP still reloads'),
        })
      : null;
  watch?.start();
  const view = new ProgressView({ source: () => daemon.source, totals: () => daemon.gen.pipeline.totals, log, tty: human && process.stderr.isTTY === true });
  let running = false;
  daemon.onRunning = () => {
    running = true;
    showBanner(bannerFacts(packageVersion(), loaded.file, config, daemon.apiUrl), human, log, writeAbove);
    view.start();
  };
  try {
    const code = await daemon.run();
    exitIfStillRunning(log, LINGER_MS, code, 'the end of the run');
    return code;
  } finally {
    if (running) view.finish();
    watch?.stop();
    uninstall();
    removePidFile();
  }
}

/**
 * The config file as a reload reads it: validated on its own first, so that a bad key a command-line flag overrides
 * (`--workers` over `pipeline.workers: 0`) is still reported, then with the flags, as `run` started.
 */
export function loadForReload(path: string | undefined, flags: FlagOverrides): LoadedConfig {
  const alone = loadConfig(path);
  if (!alone.ok) return { ok: false, problems: alone.problems.map(formatProblem) };
  const withFlags = loadConfig(path, flags);
  return withFlags.ok ? { ok: true, config: withFlags.config } : { ok: false, problems: withFlags.problems.map(formatProblem) };
}
