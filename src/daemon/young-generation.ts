// The daemon's V8 heaps keep their young generation at its starting size (issue 15). V8 grows a thread's young
// generation (up to 3 × 16 MiB on 64-bit) when much of it survives a scavenge, and garbage waits for the next
// scavenge — the result buffers a worker hands back (their bytes copied into the main thread) among it: at the peak of
// a 4 M-line file → daemon run the main thread's heap had grown to 54 MB (19 MB of it used) beside 59 MB of external
// memory waiting to be collected. Not growing it: heap 24-30 MB, external 24 MB, 18-35 MB less resident memory at
// that peak; in throughput a cost of a few % CPU could not be told from the noise of a loaded machine.
// A V8 flag, set on the running process: the growth factor is read each time V8 would grow the young generation,
// so it applies from now on, to the main thread and to every worker started after it (all share the flag).
import { setFlagsFromString } from 'node:v8';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
