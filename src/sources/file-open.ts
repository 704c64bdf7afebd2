// Opening the path of a `file:` source, with errors that say what is wrong in words.
import { open, type FileHandle } from 'node:fs/promises';

import { LogpulseError } from '../errors.js';

export interface OpenFile {
  fh: FileHandle;
  /** Identity of the file we hold; a different one at the path means it was replaced (rotated). */
  dev: number;
  ino: number;
  /** FIFOs and devices cannot be read at an offset and have no meaningful size. */
  regular: boolean;
  /** Bytes when opened (0 for FIFOs and devices). */
  size: number;
}

export async function openFile(path: string): Promise<OpenFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw fileError(path, err as NodeJS.ErrnoException);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return { fh, dev: st.dev, ino: st.ino, regular: st.isFile(), size: st.isFile() ? st.size : 0 };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw fileError(path, err as NodeJS.ErrnoException);
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
};

function fileError(path: string, err: NodeJS.ErrnoException): LogpulseError {
  const reason = (err.code !== undefined ? REASONS[err.code] : undefined) ?? err.message;
  return new LogpulseError('LP_ERR_SOURCE_FILE', `cannot read ${path}: ${reason} (${err.code ?? 'error'})`, { cause: err });
}
