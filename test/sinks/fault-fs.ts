// A real file system (node:fs/promises) whose calls can be made to fail on demand, like a disk that fills up,
// returns EIO, or loses dirty pages on a failed fsync.
import { type SinkFile, type SinkFs, nodeSinkFs } from '../../src/sinks/rotating-file.js';

export type FaultOp = 'open' | 'write' | 'sync' | 'rename' | 'syncDir';

const errno = (code: string, syscall: string): Error =>
  Object.assign(new Error(`${code}: simulated failure, ${syscall}`), { code, syscall });

export class FaultFs implements SinkFs {
  /** While true, every write fails with ENOSPC after scribbling garbage where its bytes would have gone. */
  full = false;
  /** The next N calls of an op fail (with `code`). */
  readonly failNext: Partial<Record<FaultOp, number>> = {};
  code = 'EIO';
  /** A failing fsync first throws the file's content away, as Linux may do with dirty pages after EIO. */
  loseDataOnSyncFailure = false;
  /** Calls that failed, per op. */
  readonly failures: Partial<Record<FaultOp, number>> = {};

  #shouldFail(op: FaultOp): boolean {
    const n = this.failNext[op] ?? 0;
    if (n <= 0) return false;
    this.failNext[op] = n - 1;
    this.failures[op] = (this.failures[op] ?? 0) + 1;
    return true;
  }

  mkdir = (dir: string): Promise<void> => nodeSinkFs.mkdir(dir);
  readdir = (dir: string): Promise<string[]> => nodeSinkFs.readdir(dir);
  unlink = (path: string): Promise<void> => nodeSinkFs.unlink(path);
  exists = (path: string): Promise<boolean> => nodeSinkFs.exists(path);

  async open(path: string, flags: 'wx' | 'w' | 'r+' | 'a+'): Promise<SinkFile> {
    if (this.#shouldFail('open')) throw errno(this.code, 'open');
    return this.#wrap(await nodeSinkFs.open(path, flags));
  }

  async rename(from: string, to: string): Promise<void> {
    if (this.#shouldFail('rename')) throw errno(this.code, 'rename');
    return nodeSinkFs.rename(from, to);
  }

  async syncDir(dir: string): Promise<void> {
    if (this.#shouldFail('syncDir')) throw errno(this.code, 'fsync');
    return nodeSinkFs.syncDir(dir);
  }

  #wrap(real: SinkFile): SinkFile {
    return {
      write: async (buf, offset, length, position) => {
        if (this.full || this.#shouldFail('write')) {
          if (this.full) this.failures.write = (this.failures.write ?? 0) + 1;
          // Pessimistic: part of the write reached the file, as garbage, before the error.
          const torn = Math.max(1, Math.floor(length / 2));
          await real.write(Buffer.alloc(torn, 0x58), 0, torn, position);
          throw errno(this.full ? 'ENOSPC' : this.code, 'write');
        }
        return real.write(buf, offset, length, position);
      },
      read: (buf, offset, length, position) => real.read(buf, offset, length, position),
      truncate: (length) => real.truncate(length),
      sync: async () => {
        if (this.#shouldFail('sync')) {
          if (this.loseDataOnSyncFailure) await real.truncate(0);
          throw errno(this.code, 'fsync');
        }
        return real.sync();
      },
      stat: () => real.stat(),
      close: () => real.close(),
    };
  }
}
