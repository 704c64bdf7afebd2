// The file-system layer the sinks write through (`SinkFs`, `SinkFile`), its `node:fs/promises` implementation,
// and `errnoCode`, which reads the code of a failed call.
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';

import { dirMode, fileMode } from '../file-modes.js';

/** The few calls the sinks make on an open file; `node:fs/promises`' FileHandle has them. Injectable for tests. */
export interface SinkFile {
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  truncate(length: number): Promise<void>;
  sync(): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/** The file-system layer of the sinks. Injectable, so tests can make any call fail (ENOSPC, EIO) on demand. */
export interface SinkFs {
  /** `mkdir -p`. */
  mkdir(dir: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  /** `wx`: create, fail with EEXIST if present; `w`: create or truncate; `r+`: existing, read-write; `a+`: append. */
  open(path: string, flags: 'wx' | 'w' | 'r+' | 'a+'): Promise<SinkFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** fsync of a directory: makes the creations, renames and removals in it durable. */
  syncDir(dir: string): Promise<void>;
}

export const nodeSinkFs: SinkFs = {
  async mkdir(dir) {
    await mkdir(dir, { recursive: true, mode: dirMode() });
  },
  readdir: (dir) => readdir(dir),
  open: (path, flags) => open(path, flags, fileMode()),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  async exists(path) {
    try {
      await stat(path);
      return true;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw err;
    }
  },
  async syncDir(dir) {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};

export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
