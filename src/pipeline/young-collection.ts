// A worker collects its young generation after handing back so many bytes of results (issue 15). Every result
// carries buffers made in Rust (error records, rejected lines, partials); Node copies them to the main thread, and
// the worker's own are garbage from then on, freed only when its V8 collects them. A worker allocates almost no
// JavaScript objects, so its young generation rarely fills, and V8 waits for about 64 MB of such external memory
// before it collects: at the peak of a 4 M-line file → daemon run the busy worker held 24 MB of them. A minor
// collection (a scavenge of a young generation of a few MB: well under a millisecond) every 4 MiB of results kept
// it at 4–7 MB, the process's peak 174 → 154 MB (single runs on a loaded machine). A chunk that was not lent back
// (a Kafka poll's, which Node copies on its way to the worker) counts too: Kafka → daemon peaked at 292 MiB, 214 with it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'minor' }) => void;

export class YoungCollection {
  readonly #every: number;
  readonly #collect: Collect | null;
  #since = 0;
  /** Collections run so far. */
  runs = 0;

  /** `everyBytes` 0: never (V8 decides alone). `collect`: the collector (tests); by default V8's own. */
  constructor(everyBytes: number, collect?: Collect) {
    this.#every = everyBytes;
    this.#collect = everyBytes > 0 ? (collect ?? exposedGc()) : null;
  }

  /** `bytes` of results were handed back (and are garbage here once sent). */
  handedBack(bytes: number): void {
    if (this.#collect === null) return;
    this.#since += bytes;
    if (this.#since < this.#every) return;
    this.#since = 0;
    this.runs++;
    this.#collect({ type: 'minor' });
  }
}

/** V8's `gc`, which it gives a context made once the flag is set (the flag changes nothing else). */
function exposedGc(): Collect {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Collect;
}
