// Permissions of every file and directory the daemon and `logpulse batch` create: `output.fileMode` and
// `output.dirMode` (default 0640 and 0750: the owner writes, its group reads, others get nothing — outputs hold
// client IPs and URLs). One process-wide setting, set from the config at start and at each rebuild (a reload that
// changes them), read at every creation point: open() and mkdir() take the mode, so the process umask still
// applies on top (a stricter umask wins, as for any program). What native code writes (the Rust core's Parquet
// archive, DuckDB's batch views) is chmod-ed here once it is in place, to the same modes less the umask.
import { chmod } from 'node:fs/promises';

export const DEFAULT_FILE_MODE = 0o640;
export const DEFAULT_DIR_MODE = 0o750;

/** `"0640"` or `"640"`: 3 or 4 octal digits (a 4th, leading digit may only be 0: no setuid, setgid or sticky bit). */
const MODE_TEXT = /^0?[0-7]{3}$/;

let modes = { file: DEFAULT_FILE_MODE, dir: DEFAULT_DIR_MODE };
// Read once: asking for the umask is how Node reads it (process.umask() with no argument returns it unchanged).
const umask = process.umask();

/** The mode a config string names, or null when it is not one. */
export function parseMode(text: string): number | null {
  return MODE_TEXT.test(text) ? Number.parseInt(text, 8) : null;
}

/** A file mode the daemon can live with: the owner must read and write its own files. */
export const isFileModeUsable = (text: string): boolean => ((parseMode(text) ?? 0) & 0o600) === 0o600;
/** A directory mode the daemon can live with: the owner must list, enter and create in it. */
export const isDirModeUsable = (text: string): boolean => ((parseMode(text) ?? 0) & 0o700) === 0o700;

export function setFileModes(o: { fileMode: number; dirMode: number }): void {
  modes = { file: o.fileMode, dir: o.dirMode };
}

/** Mode for open()/writeFile() of a file this process creates. */
export const fileMode = (): number => modes.file;
/** Mode for mkdir() of a directory this process creates. */
export const dirMode = (): number => modes.dir;

/** Gives files and directories written by native code the modes the rest get (ENOENT: already gone, fine). */
export async function chmodCreated(paths: { files?: readonly string[]; dirs?: readonly string[] }): Promise<void> {
  const apply = async (path: string, mode: number) => {
    try {
      await chmod(path, mode & ~umask);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  };
  for (const dir of paths.dirs ?? []) await apply(dir, modes.dir);
  for (const file of paths.files ?? []) await apply(file, modes.file);
}
