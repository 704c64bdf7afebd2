// The files of one RotatingFileSink, on disk: bytes are appended to `<final name>.part`, which is sealed
// (fsynced, renamed to its final name, the rename made durable by an fsync of the directory) when the sink
// rotates. Names are never reused: the sequence number continues after the highest file in the directory, and
// the crash leftovers found there at start are recovered first.
//
// Apart from the sink because this is where the file-system calls are, each run through the sink's RetryChain;
// the sink itself decides what to write and when to rotate.
import { join } from 'node:path';

import { completeLinesLength } from './complete-lines.js';
import { compactUtc, fileName, fileNamePattern } from './file-names.js';
import { type FsyncObserver, timedFsync } from '../durable-file.js';
import { type Part, rewritePart } from './part-file.js';
import type { RetryChain } from './retry-chain.js';
import type { FileKind } from './sink.js';
import { type SinkFs, errnoCode } from './sink-fs.js';

const noop = (): void => {};

export interface PartWriterOptions {
  dir: string;
  kind: FileKind;
  shard: string;
  fs: SinkFs;
  /** Wall clock in ms for the timestamps in file names. */
  now: () => number;
  /** Delete crash leftovers instead of publishing their complete lines (see RotatingFileSinkOptions.leftovers). */
  discardLeftovers: boolean;
  chain: RetryChain;
  /** Told the duration of each fsync `seal` makes (of the file and of the directory). */
  onFsync: FsyncObserver;
}

export class PartWriter {
  readonly #dir: string;
  readonly #kind: FileKind;
  readonly #shard: string;
  readonly #fs: SinkFs;
  readonly #now: () => number;
  readonly #discardLeftovers: boolean;
  readonly #chain: RetryChain;
  readonly #onFsync: FsyncObserver;
  #seq = 1;
  /** The highest sequence number of a complete (final-named) file in the directory. */
  #sealedThrough = 0;
  #part: Part | null = null;

  constructor(o: PartWriterOptions) {
    this.#dir = o.dir;
    this.#kind = o.kind;
    this.#shard = o.shard;
    this.#fs = o.fs;
    this.#now = o.now;
    this.#discardLeftovers = o.discardLeftovers;
    this.#chain = o.chain;
    this.#onFsync = o.onFsync;
  }

  get sealedThrough(): number {
    return this.#sealedThrough;
  }

  /**
   * Deletes the complete files numbered after `seq`: published after the checkpoint a restart goes on from, what
   * they hold is read again and written anew (replayable sources). Call before anything is written.
   */
  async discardAfter(seq: number): Promise<number> {
    const dir = this.#dir;
    const re = fileNamePattern(this.#kind, this.#shard);
    let deleted = 0;
    for (const name of await this.#chain.retrying('readdir', dir, () => this.#fs.readdir(dir))) {
      const m = re.exec(name);
      if (!m || m[3] || Number(m[2]) <= seq) continue;
      await this.#chain.retrying('unlink', join(dir, name), () => this.#fs.unlink(join(dir, name)));
      deleted++;
    }
    if (deleted > 0) await this.#chain.retrying('fsync-dir', dir, () => this.#fs.syncDir(dir));
    this.#sealedThrough = Math.min(this.#sealedThrough, seq);
    return deleted;
  }

  /** Creates the directory, recovers crash leftovers and learns the next sequence number. */
  async init(): Promise<void> {
    const dir = this.#dir;
    await this.#chain.retrying('mkdir', dir, () => this.#fs.mkdir(dir));
    const names = await this.#chain.retrying('readdir', dir, () => this.#fs.readdir(dir));
    const re = fileNamePattern(this.#kind, this.#shard);
    const leftovers: { name: string; ts: string; seq: number }[] = [];
    let maxSeq = 0;
    for (const name of names) {
      const m = re.exec(name);
      if (!m) continue;
      const seq = Number(m[2]);
      maxSeq = Math.max(maxSeq, seq);
      if (m[3]) leftovers.push({ name, ts: m[1]!, seq });
      else this.#sealedThrough = Math.max(this.#sealedThrough, seq);
    }
    // Continue after the highest name ever used, so a restart never overwrites an earlier file.
    this.#seq = maxSeq + 1;
    leftovers.sort((a, b) => a.seq - b.seq);
    for (const l of leftovers) {
      const part = join(dir, l.name);
      if (this.#discardLeftovers) await this.#chain.retrying('unlink', part, () => this.#fs.unlink(part));
      else await this.#recover(l.name, l.ts);
    }
    if (leftovers.length > 0) await this.#chain.retrying('fsync-dir', dir, () => this.#fs.syncDir(dir));
  }

  /**
   * A `.part` left by a crash holds bytes that were written but never confirmed durable. Its complete lines are
   * still valid records (a file only ever receives whole lines, in order), so rather than lose them they are
   * published: the torn last line (if any) is cut, the rest fsynced and renamed to the final name. A file with
   * no complete line is deleted. Renaming may duplicate records the pipeline replays after the crash; losing
   * them would be worse.
   */
  async #recover(name: string, ts: string): Promise<void> {
    const fs = this.#fs;
    const part = join(this.#dir, name);
    let final = part.slice(0, -'.part'.length);
    await this.#chain.retrying('recover', part, async () => {
      if (!(await fs.exists(part))) return; // done by an earlier attempt
      const fh = await fs.open(part, 'r+');
      let keep: number;
      try {
        const { size } = await fh.stat();
        keep = await completeLinesLength(fh, size);
        if (keep > 0) {
          if (keep < size) await fh.truncate(keep);
          await fh.sync();
        }
      } finally {
        await fh.close().catch(noop);
      }
      if (keep === 0) {
        await fs.unlink(part);
        return;
      }
      if (await fs.exists(final)) final = join(this.#dir, this.#fileName(ts, this.#seq++));
      await fs.rename(part, final);
    });
  }

  /** Appends `batch` to the open `.part` file, opening one first when none is. */
  async append(batch: Buffer): Promise<void> {
    const part = this.#part ?? (await this.#openPart());
    let done = 0;
    await this.#chain.retrying('write', part.path, async () => {
      const fh = part.fh!;
      while (done < batch.length) {
        try {
          // Positional: a retry rewrites from the last good offset, whatever a failed call left behind.
          const { bytesWritten } = await fh.write(batch, done, batch.length - done, part.bytes);
          if (bytesWritten <= 0) throw Object.assign(new Error('write wrote nothing'), { code: 'EIO' });
          done += bytesWritten;
          part.bytes += bytesWritten;
        } catch (err) {
          // Cut a partial write now; if that fails too, the cut is redone before the fsync.
          part.torn = true;
          await fh.truncate(part.bytes).then(() => (part.torn = false), noop);
          throw err;
        }
      }
    });
    part.chunks.push(batch);
  }

  async #openPart(): Promise<Part> {
    const fs = this.#fs;
    const part = await this.#chain.retrying('open', this.#dir, async (): Promise<Part> => {
      await fs.mkdir(this.#dir); // it may have been removed since start
      const ts = compactUtc(this.#now());
      for (;;) {
        const final = join(this.#dir, this.#fileName(ts, this.#seq));
        const path = `${final}.part`;
        // Never reuse a name: another writer (a misconfiguration) or an old file must not be overwritten.
        if (await fs.exists(final)) {
          this.#seq++;
          continue;
        }
        try {
          const fh = await fs.open(path, 'wx');
          return { fh, path, final, bytes: 0, chunks: [], torn: false };
        } catch (err) {
          if (errnoCode(err) !== 'EEXIST') throw err;
          this.#seq++;
        }
      }
    });
    this.#part = part;
    return part;
  }

  /**
   * fsync, close, rename to the final name, fsync the directory. Resolves to the bytes made durable, or null
   * when no file is open.
   */
  async seal(): Promise<number | null> {
    const part = this.#part;
    if (!part) return null;
    const fs = this.#fs;
    let rewrite = false;
    await this.#chain.retrying('fsync', part.path, async () => {
      if (rewrite || !part.fh) {
        await fs.mkdir(this.#dir); // it may have been removed since
        await rewritePart(fs, part);
        rewrite = false;
      }
      const fh = part.fh!;
      if (part.torn) {
        await fh.truncate(part.bytes);
        part.torn = false;
      }
      try {
        await timedFsync(this.#onFsync, () => fh.sync());
      } catch (err) {
        // After a failed fsync Linux may have dropped the dirty pages and marked them clean, so a second fsync
        // can "succeed" without the data: the file is written again from memory before the next attempt.
        rewrite = true;
        throw err;
      }
    });
    const fh = part.fh!;
    part.fh = null;
    await fh.close().catch(noop); // the data is already on disk; a close error cannot lose it
    // False while a rewrite of a removed `.part` is unfinished: the file on disk must not be renamed as it is.
    let whole = true;
    await this.#chain.retrying('rename', part.path, async () => {
      if (!whole) {
        await this.#restore(part);
        whole = true;
      }
      try {
        await fs.rename(part.path, part.final);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT' || (await fs.exists(part.path))) throw err;
        // A rename that happened but reported failure is retried as ENOENT: it is done.
        if (await fs.exists(part.final)) return;
        // The `.part` (or its whole directory) was removed while open (`rm -rf` mid-run): its bytes are still in
        // memory, so the file is written again in a recreated directory rather than lost.
        whole = false;
        await this.#restore(part);
        whole = true;
        await fs.rename(part.path, part.final);
      }
    });
    // mkdir: a directory removed right after the rename would otherwise fail this fsync for ever.
    await this.#chain.retrying('fsync-dir', this.#dir, async () => {
      await fs.mkdir(this.#dir);
      await timedFsync(this.#onFsync, () => fs.syncDir(this.#dir));
    });
    this.#part = null;
    this.#sealedThrough = Math.max(this.#sealedThrough, this.#seq);
    this.#seq++;
    return part.bytes;
  }

  /** Writes a removed `.part` again from memory, fsynced and closed, in its directory made again. */
  async #restore(part: Part): Promise<void> {
    await this.#fs.mkdir(this.#dir);
    await rewritePart(this.#fs, part);
    const fh = part.fh!;
    part.fh = null;
    try {
      await timedFsync(this.#onFsync, () => fh.sync());
    } finally {
      await fh.close().catch(noop);
    }
  }

  /**
   * Closes the open file without sealing it (the sink gave up): its `.part` stays for the next start to recover.
   * Resolves to the bytes written to it.
   */
  async abandon(): Promise<number> {
    const part = this.#part;
    if (part?.fh) await part.fh.close().catch(noop);
    this.#part = null;
    return part?.bytes ?? 0;
  }

  #fileName(ts: string, seq: number): string {
    return fileName(this.#kind, this.#shard, ts, seq);
  }
}
