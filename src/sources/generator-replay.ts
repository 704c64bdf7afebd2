// Where a seeded `generator:` source is, as a durable cut checkpoints it: the lines handed to the pipeline and the
// seed they came from (StreamPositions are numbers by name, so the seed goes in beside the count under
// `generator:|seed`). A restart with the same seed makes the lines it handed over again and drops them, then goes
// on with the next: the same lines in the same order as an uninterrupted run — with the replay's timestamps,
// since those are the wall clock's and cannot be replayed.
import type { EventClock } from '../gen/clock.js';
import type { LineWriter } from '../gen/line-writer.js';
import type { StreamPositions } from './source.js';

export const GENERATOR_STREAM = 'generator:';
const SEED_KEY = `${GENERATOR_STREAM}|seed`;

export function generatorPositions(handed: number, seed: number): StreamPositions {
  return { [GENERATOR_STREAM]: handed, [SEED_KEY]: seed };
}

/** What a checkpoint's positions say: lines to skip (same seed), or the other seed they came from (null: none). */
export type SavedLines = { lines: number } | { otherSeed: number | null } | null;

/** null: the positions hold nothing of a generator (a first start, or another source's checkpoint). */
export function savedLines(positions: StreamPositions, seed: number): SavedLines {
  const lines = positions[GENERATOR_STREAM];
  if (lines === undefined) return null;
  const saved = positions[SEED_KEY];
  if (saved !== seed || !(Number.isSafeInteger(lines) && lines >= 0)) return { otherSeed: saved ?? null };
  return { lines };
}

/** Line contents do not depend on the time (no late or bad lines in the source's options): any clock will do. */
const NO_TIME: EventClock = { at: () => 0 };

/** Makes `n` lines into `scratch` and drops them: the writer's random sequence is then where it was after them. */
export function skipLines(writer: LineWriter, scratch: Buffer, n: number, limit: number): void {
  let left = n;
  while (left > 0) {
    writer.fill(scratch, left, NO_TIME, limit);
    left -= writer.lastLines;
  }
}
