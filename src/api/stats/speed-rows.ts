// Which rows of the archive the speed layer adds to the published batch: every row of a cut file ("unit") the
// batch did not read, and — when the batch was cut to --since/--until — the rows of the units it read that fall
// outside that range. Pure planning over file provenance (provenance.ts); the reading is lambda.ts's.
import type { UnitRows } from '../../archive/provenance.js';

/** A file's rows [lo, hi) to add; `outsideOnly`: only those outside the batch's time range (the batch read the rest). */
export interface RowRange {
  path: string;
  lo: number;
  hi: number;
  outsideOnly: boolean;
}

export interface SpeedPlan {
  /** Units with rows for the speed layer, by name. */
  units: Set<string>;
  ranges: RowRange[];
}

export interface PlanInput {
  files: ReadonlyArray<{ path: string; units: readonly UnitRows[] }>;
  /** Whether the batch read a unit. */
  covered: (unit: string) => boolean;
  /** The batch was cut to a time range: covered units still add their rows outside it. */
  batchRanged: boolean;
  /** Units already in the speed tables: planned again only when `all`. */
  done?: ReadonlySet<string>;
}

/** The ranges to read; adjacent units of one file with the same kind of selection are one range. */
export function planSpeedRows(input: PlanInput): SpeedPlan {
  const units = new Set<string>();
  const ranges: RowRange[] = [];
  for (const file of input.files) {
    let open: RowRange | null = null;
    for (const u of file.units) {
      // A unit twice in the listing (never expected: journals hide a compaction's inputs) counts once.
      if (units.has(u.unit)) {
        open = null;
        continue;
      }
      const covered = input.covered(u.unit);
      const wanted = (!covered || input.batchRanged) && u.rows > 0;
      if (!wanted) {
        open = null;
        continue;
      }
      units.add(u.unit);
      if (input.done?.has(u.unit) === true) {
        open = null;
        continue;
      }
      if (open !== null && open.hi === u.first && open.outsideOnly === covered) open.hi += u.rows;
      else ranges.push((open = { path: file.path, lo: u.first, hi: u.first + u.rows, outsideOnly: covered }));
    }
  }
  return { units, ranges };
}
