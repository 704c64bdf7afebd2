// Where each row of an archive file came from: the cut files ("units", coverage.ts) whose rows it holds, in row
// order. A cut file (`part-…`) is its own one unit; a compacted file lists its units in its footer (the native
// compaction writes `logpulse.parts` = `[[name, rows], …]`, names relative to the file's hour partition); a
// compacted file without that list stands for itself. Read from the footers only (no row data).
import type { DuckDBConnection } from '@duckdb/node-api';

import { sqlString } from '../batch/sql.js';
import { LogpulseError } from '../errors.js';

/** Footer key the native compaction writes (native/core/src/archive/compact.rs `PARTS_KEY`). */
export const PARTS_KEY = 'logpulse.parts';

/** One unit's rows inside a file: rows [first, first + rows). */
export interface UnitRows {
  unit: string;
  first: number;
  rows: number;
}

/** `rel` is the file's path relative to the archive root (`date=…/hour=…/name`). */
export interface ArchiveFileRef {
  path: string;
  rel: string;
}

function parseParts(file: ArchiveFileRef, json: string): Array<[string, number]> {
  let parts: unknown;
  try {
    parts = JSON.parse(json);
  } catch {
    parts = null;
  }
  const ok = Array.isArray(parts) && parts.every((p) => Array.isArray(p) && typeof p[0] === 'string' && Number.isSafeInteger(p[1]) && p[1] >= 0);
  if (!ok) throw new LogpulseError('LP_ERR_BATCH_INPUT', `${file.path} has an unreadable ${PARTS_KEY} list in its footer`, { path: file.path });
  return parts as Array<[string, number]>;
}

/** The units of each file, in the files' order. Throws LP_ERR_BATCH_INPUT for a footer that cannot be read. */
export async function readProvenance(conn: DuckDBConnection, files: readonly ArchiveFileRef[]): Promise<UnitRows[][]> {
  if (files.length === 0) return [];
  const list = `[${files.map((f) => sqlString(f.path)).join(', ')}]`;
  const rows = new Map<string, number>();
  const listed = new Map<string, string>();
  try {
    for (const [name, n] of (await conn.runAndReadAll(`SELECT file_name, num_rows FROM parquet_file_metadata(${list})`)).getRows()) {
      rows.set(String(name), Number(n));
    }
    const kv = await conn.runAndReadAll(
      `SELECT file_name, decode(value) FROM parquet_kv_metadata(${list}) WHERE decode(key) = ${sqlString(PARTS_KEY)}`,
    );
    for (const [name, value] of kv.getRows()) listed.set(String(name), String(value));
  } catch (err) {
    throw new LogpulseError('LP_ERR_BATCH_INPUT', `cannot read the footers of the archive files: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  return files.map((file) => {
    const json = listed.get(file.path);
    const partition = file.rel.slice(0, file.rel.lastIndexOf('/') + 1);
    const parts: Array<[string, number]> = json === undefined ? [[file.rel.slice(partition.length), rows.get(file.path) ?? 0]] : parseParts(file, json);
    let first = 0;
    return parts.map(([name, n]) => {
      const unit = { unit: partition + name, first, rows: n };
      first += n;
      return unit;
    });
  });
}
