// The open `.part` file of RotatingFileSink: its state, and its rewrite from memory after a failed fsync.
import type { SinkFile, SinkFs } from './sink-fs.js';

const noop = (): void => {};

/** The open `.part` file. */
export interface Part {
  /** Null only between a failed fsync's close and the reopen that rewrites the file. */
  fh: SinkFile | null;
  path: string;
  final: string;
  /** Bytes written at offsets [0, bytes); the next write goes at `bytes`. */
  bytes: number;
  /** Every fully written batch, kept until the rename: a failed fsync means the file must be written again. */
  chunks: Buffer[];
  /** A failed write may have left bytes beyond `bytes`; they are cut before the fsync. */
  torn: boolean;
}

export async function rewritePart(fs: SinkFs, part: Part): Promise<void> {
  if (part.fh) {
    const old = part.fh;
    part.fh = null;
    await old.close().catch(noop);
  }
  const fh = await fs.open(part.path, 'w');
  part.fh = fh;
  part.torn = false;
  let pos = 0;
  for (const chunk of part.chunks) {
    for (let done = 0; done < chunk.length; ) {
      const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, pos + done);
      if (bytesWritten <= 0) throw Object.assign(new Error('write wrote nothing'), { code: 'EIO' });
      done += bytesWritten;
    }
    pos += chunk.length;
  }
}
