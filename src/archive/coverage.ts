// Which cut files' rows a batch read: the line between the batch layer and the speed layer. A compacted file holds
// the rows of many cut files (its footer lists them, see provenance.ts), so coverage is kept per cut file — a
// "unit", named by the path it was published under (`date=…/hour=…/part-<run>-<shard>-<seq>.parquet`), or, for a
// compacted file written before footers listed their parts, by that file's own path.
//
// Written into the batch manifest compactly: a daemon cuts every 10 s per shard, so a month of units named one by
// one would be tens of MB; as sequence ranges per (hour, run, shard) it is a few bytes per hour.
import { PART_FILE } from './layout.js';

/** `{ "<date=…/hour=…>": { "<run>-<shard>": [[firstSeq, lastSeq], …] } }`, plus units that are not cut files. */
export interface Coverage {
  parts: Record<string, Record<string, Array<[number, number]>>>;
  others: string[];
}

interface SplitUnit {
  partition: string;
  stream: string;
  seq: number;
}

function split(unit: string): SplitUnit | null {
  const slash = unit.lastIndexOf('/');
  const m = PART_FILE.exec(unit.slice(slash + 1));
  if (m === null) return null;
  return { partition: unit.slice(0, Math.max(slash, 0)), stream: `${m[1]}-${m[2]}`, seq: Number(m[3]) };
}

/** The coverage of a set of units. */
export function encodeCoverage(units: Iterable<string>): Coverage {
  const seqs = new Map<string, Map<string, number[]>>();
  const others = new Set<string>();
  for (const unit of units) {
    const s = split(unit);
    if (s === null) {
      others.add(unit);
      continue;
    }
    let streams = seqs.get(s.partition);
    if (streams === undefined) seqs.set(s.partition, (streams = new Map()));
    let list = streams.get(s.stream);
    if (list === undefined) streams.set(s.stream, (list = []));
    list.push(s.seq);
  }
  const parts: Coverage['parts'] = {};
  for (const partition of [...seqs.keys()].sort()) {
    const streams = seqs.get(partition)!;
    const out: Record<string, Array<[number, number]>> = {};
    for (const stream of [...streams.keys()].sort()) {
      const sorted = [...new Set(streams.get(stream)!)].sort((a, b) => a - b);
      const ranges: Array<[number, number]> = [];
      for (const seq of sorted) {
        const last = ranges[ranges.length - 1];
        if (last !== undefined && last[1] + 1 === seq) last[1] = seq;
        else ranges.push([seq, seq]);
      }
      out[stream] = ranges;
    }
    parts[partition] = out;
  }
  return { parts, others: [...others].sort() };
}

/** A membership test over a coverage (binary search in its ranges). */
export function coverageTest(c: Coverage): (unit: string) => boolean {
  const others = new Set(c.others);
  return (unit) => {
    const s = split(unit);
    if (s === null) return others.has(unit);
    const ranges = c.parts[s.partition]?.[s.stream];
    if (ranges === undefined) return false;
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [first, last] = ranges[mid]!;
      if (s.seq < first) hi = mid - 1;
      else if (s.seq > last) lo = mid + 1;
      else return true;
    }
    return false;
  };
}
