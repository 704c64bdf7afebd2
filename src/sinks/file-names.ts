// The names of RotatingFileSink's files: `<kind>-<UTC time>-<shard>-<seq>.ndjson`, `.part` while written.
import type { FileKind } from './sink.js';

/** `20250609T094240Z`: the UTC time `ms`, to the second. */
export function compactUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** The final name of file `seq` of a kind and shard, opened at `ts` (a `compactUtc`); its `.part` adds `.part`. */
export function fileName(kind: FileKind, shard: string, ts: string, seq: number): string {
  return `${kind}-${ts}-${shard}-${String(seq).padStart(6, '0')}.ndjson`;
}

/** Matches the names `fileName` gives (and their `.part`): 1 the time, 2 the sequence number, 3 `.part` or none. */
export function fileNamePattern(kind: FileKind, shard: string): RegExp {
  return new RegExp(`^${kind}-(\\d{8}T\\d{6}Z)-${shard}-(\\d{6,})\\.ndjson(\\.part)?$`);
}
