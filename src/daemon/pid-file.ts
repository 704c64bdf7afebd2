// `logpulse run --pid-file FILE`: the daemon's process id, for `logpulse reload --pid-file FILE` and service managers.
// Written whole (temp → rename) once the daemon is built, removed when it exits if it still names this process.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

import { LogpulseError } from '../errors.js';
import { fileMode } from '../file-modes.js';

/** Writes this process's id to `path`; returns the function that removes it again. */
export function writePidFile(path: string): () => void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${process.pid}\n`, { mode: fileMode() });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    const e = err as NodeJS.ErrnoException;
    throw new LogpulseError('LP_ERR_PID_FILE', `cannot write the pid file ${path}: ${e.code ?? e.message}`, { path, cause: err });
  }
  return () => {
    // Another daemon may have taken the file over since: only this process's own id is removed.
    const now = readPid(path, { quiet: true });
    if (now === process.pid) rmSync(path, { force: true });
  };
}

/** The process id a pid file holds. Throws `LP_ERR_PID_FILE` (or returns null with `quiet`) when there is none. */
export function readPid(path: string, o: { quiet: true }): number | null;
export function readPid(path: string): number;
export function readPid(path: string, o: { quiet?: boolean } = {}): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (o.quiet) return null;
    const code = (err as NodeJS.ErrnoException).code;
    throw new LogpulseError('LP_ERR_PID_FILE', `cannot read the pid file ${path}: ${code === 'ENOENT' ? 'no such file (is the daemon running with --pid-file?)' : code}`, { path });
  }
  const pid = Number(text.trim());
  if (Number.isInteger(pid) && pid > 0) return pid;
  if (o.quiet) return null;
  throw new LogpulseError('LP_ERR_PID_FILE', `${path} does not hold a process id`, { path });
}
