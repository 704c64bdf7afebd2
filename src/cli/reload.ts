// `logpulse reload [PID] [--pid-file FILE] [-c FILE]`: asks a running daemon to reload its config (SIGHUP), for
// operators and for `systemctl reload` (`ExecReload=logpulse reload $MAINPID`). With `-c`, the file is validated
// first and a bad one is reported here (exit 2) without disturbing the daemon. The outcome of the reload itself is
// in the daemon's log and in `logpulse_config_reloads_total{result}`.
import { formatProblem } from '../config/problems.js';
import { loadConfig } from '../config/load.js';
import { readPid } from '../daemon/pid-file.js';
import { LogpulseError } from '../errors.js';
import { redactText } from '../redact.js';

export interface ReloadCommandOptions {
  pid?: string;
  pidFile?: string;
  config?: string;
}

export async function reloadCommand(o: ReloadCommandOptions): Promise<number> {
  try {
    if ((o.pid === undefined) === (o.pidFile === undefined)) {
      throw new LogpulseError('LP_ERR_ARGS', 'give the daemon as a process id or as --pid-file FILE (one of them)');
    }
    if (o.config !== undefined) {
      const loaded = loadConfig(o.config);
      if (!loaded.ok) {
        process.stderr.write(loaded.problems.map((p) => `${formatProblem(p)}\n`).join(''));
        process.stderr.write('logpulse reload: the config is invalid; the daemon was not signalled\n');
        return 2;
      }
    }
    const pid = o.pid !== undefined ? parsePid(o.pid) : readPid(o.pidFile!);
    signal(pid);
    process.stdout.write(`SIGHUP sent to ${pid}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof LogpulseError)) throw err;
    process.stderr.write(`${redactText(err.message)}\n`);
    return err.exitCode;
  }
}

function parsePid(text: string): number {
  const pid = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(pid) || pid < 1) throw new LogpulseError('LP_ERR_ARGS', `PID: "${text}" is not a process id`);
  return pid;
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ESRCH' ? 'no such process (a stale pid file?)' : code === 'EPERM' ? 'not permitted (another user\'s process)' : String(code);
    throw new LogpulseError('LP_ERR_RELOAD', `cannot send SIGHUP to ${pid}: ${why}`, { cause: err });
  }
}
