// `logpulse merge DIR...`: the window rows one daemon would have written, from the `partials/` files of several
// daemons that shared a Kafka consumer group (each saw some partitions for some of the time). Partials carry
// mergeable sketches (counts, HyperLogLog, URL counts), so the merged rows equal a single daemon's, exactly.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { WindowMerger } from '../native.js';

/** Complete partials files only: a `.part` is still being written. */
async function partialsFiles(outDir: string): Promise<string[]> {
  const dir = join(outDir, 'partials');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${dir} does not exist (is ${outDir} the output dir of a Kafka run?)`);
    throw err;
  }
  return names.filter((n) => n.endsWith('.ndjson')).sort().map((n) => join(dir, n));
}

export async function mergeCommand(dirs: string[], o: { maxUrls: number }): Promise<number> {
  const merger = new WindowMerger({ maxUrlsPerWindow: o.maxUrls });
  let files = 0;
  for (const outDir of dirs) {
    for (const file of await partialsFiles(outDir)) {
      files++;
      const text = await readFile(file, 'utf8');
      for (const [i, line] of text.split('\n').entries()) {
        if (line === '') continue;
        const encoded = (JSON.parse(line) as { partials?: unknown }).partials;
        if (typeof encoded !== 'string') throw new Error(`${file}:${i + 1}: not a partials line`);
        merger.add(Buffer.from(encoded, 'base64'));
      }
    }
  }
  const out = merger.drain(null);
  process.stdout.write(out.rows);
  process.stderr.write(`logpulse merge: ${out.windows.length} windows from ${files} files in ${dirs.length} dirs\n`);
  return 0;
}
