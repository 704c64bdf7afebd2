// Reading a logpulse Parquet archive with pyarrow (a reader that is not logpulse), for the archive tests.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { runPython } from './pyarrow.js';

export interface ArchiveSummary {
  rows: number;
  /** Rows that differ in (timestamp, ip, method, url, status): equal to `rows` when nothing is archived twice. */
  distinct: number;
  late: number;
  /** Column name → pyarrow type text, partition columns included. */
  types: Record<string, string>;
  /** `date=…/hour=…` → rows. */
  partitions: Record<string, number>;
}

const SUMMARY = `
import json, sys
import pyarrow.dataset as ds
import pyarrow.compute as pc
d = ds.dataset(sys.argv[1], format="parquet", partitioning="hive", exclude_invalid_files=False)
t = d.to_table()
keys = t.select(["timestamp", "ip", "method", "url", "status"]).group_by(["timestamp", "ip", "method", "url", "status"]).aggregate([])
parts = {}
if t.num_rows:
    g = t.group_by(["date", "hour"]).aggregate([([], "count_all")]).to_pylist()
    parts = {"date=%s/hour=%02d" % (r["date"], r["hour"]): r["count_all"] for r in g}
print(json.dumps({
    "rows": t.num_rows,
    "distinct": keys.num_rows,
    "late": pc.sum(t["late"]).as_py() or 0 if t.num_rows else 0,
    "types": {f.name: str(f.type) for f in t.schema},
    "partitions": parts,
}))
`;

/** Reads every visible Parquet file under `dir` with pyarrow's Hive partitioning. */
export async function summarizeArchive(dir: string): Promise<ArchiveSummary> {
  return JSON.parse(await runPython(SUMMARY, [dir])) as ArchiveSummary;
}

/** Every file under `dir` (relative paths), data and bookkeeping, for checks on names and leftovers. */
export function archiveFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = join(dir, rel);
    if (!existsSync(abs)) return;
    for (const name of readdirSync(abs)) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, r)).isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out.sort();
}
