// Crash leftovers: how much of a `.part` file is complete lines, the part worth publishing.
import type { SinkFile } from './sink-fs.js';

const NEWLINE = 0x0a;

/** Length of the prefix of the file that ends with its last newline (0 when it holds no complete line). */
export async function completeLinesLength(fh: SinkFile, size: number): Promise<number> {
  const block = Buffer.allocUnsafe(Math.min(size, 8 * 1024));
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - block.length);
    let got = 0;
    while (got < end - start) {
      const { bytesRead } = await fh.read(block, got, end - start - got, start + got);
      if (bytesRead <= 0) throw Object.assign(new Error('file shrank while being read'), { code: 'EIO' });
      got += bytesRead;
    }
    const i = block.lastIndexOf(NEWLINE, end - start - 1);
    if (i >= 0) return start + i + 1;
    end = start;
  }
  return 0;
}
