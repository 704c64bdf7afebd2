// One window's state as the daemons of a group published it (one part per session and shard), merged into the rows
// one daemon reading every partition would write.
import { WindowMerger, type WindowOutput } from '../native.js';

type MergerOptions = ConstructorParameters<typeof WindowMerger>[0];

/**
 * `skipped` is told of a part this version cannot merge (another writer on the topic, or a newer logpulse): it is
 * left out, the rest merged.
 */
export function mergeWindow(parts: ReadonlyMap<string, Buffer>, options: MergerOptions, skipped: (key: string, err: Error) => void): WindowOutput {
  const merger = new WindowMerger(options);
  for (const [key, bytes] of parts) {
    try {
      merger.add(bytes);
    } catch (err) {
      skipped(key, err as Error);
    }
  }
  return merger.drain(null);
}
