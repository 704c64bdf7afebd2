// Command-line flags written over the file's keys, and the coercion of text (flags, whole ${VAR} values) to the
// type a key expects.

import type { TSchema } from '@sinclair/typebox';
import { formatPath, isPlainObject, type Seg } from './problems.js';
import { ConfigSchema } from './schema.js';
import type { FlagOverrides } from './types.js';

const FLAG_KEYS: ReadonlyArray<[keyof FlagOverrides, string, Seg[]]> = [
  ['source', '--source', ['source']],
  ['format', '--format', ['format']],
  ['output', '--output', ['output', 'dir']],
  ['checkpoint', '--checkpoint', ['checkpoint', 'dir']],
  ['workers', '--workers', ['pipeline', 'workers']],
  ['host', '--host', ['api', 'host']],
  ['port', '--port', ['api', 'port']],
];

/** Writes flag values over the file's keys; returns formatted key path → flag name, for messages. */
export function applyOverrides(data: Record<string, unknown>, flags: FlagOverrides): Map<string, string> {
  const applied = new Map<string, string>();
  const set = (segs: Seg[], value: unknown, flag: string): void => {
    let parent: Record<string, unknown> = data;
    for (const s of segs.slice(0, -1)) {
      parent[s] ??= {};
      const next = parent[s];
      // The file has a non-object here: its own type error is the problem to report.
      if (!isPlainObject(next)) return;
      parent = next;
    }
    parent[segs[segs.length - 1] as string] = value;
    applied.set(formatPath(segs), flag);
    coerceAt(data, segs);
  };
  for (const [key, flag, segs] of FLAG_KEYS) {
    if (flags[key] !== undefined) set(segs, flags[key], flag);
  }
  if (flags.noApi === true) set(['api', 'enabled'], false, '--no-api');
  return applied;
}

/** The schema of the key at `segs`, or undefined for a key the schema does not have. */
function schemaAt(segs: readonly Seg[]): TSchema | undefined {
  let s: TSchema | undefined = ConfigSchema;
  for (const seg of segs) {
    if (s === undefined) return undefined;
    s = typeof seg === 'number' ? (s.items as TSchema | undefined) : (s.properties as Record<string, TSchema> | undefined)?.[seg];
  }
  return s;
}

/** Converts the text at `segs` to the first non-string type its key accepts, if it is a valid literal of it. */
export function coerceAt(data: Record<string, unknown>, segs: readonly Seg[]): void {
  const schema = schemaAt(segs);
  if (schema === undefined) return;
  let parent: unknown = data;
  for (const s of segs.slice(0, -1)) parent = (parent as Record<Seg, unknown>)[s];
  const last = segs[segs.length - 1] as Seg;
  const container = parent as Record<Seg, unknown>;
  const value = container[last];
  if (typeof value !== 'string') return;
  const types: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  for (const t of types) {
    if (t === 'integer' && /^-?\d+$/.test(value)) return void (container[last] = Number(value));
    if (t === 'number' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) return void (container[last] = Number(value));
    if (t === 'boolean' && (value === 'true' || value === 'false')) return void (container[last] = value === 'true');
  }
}
