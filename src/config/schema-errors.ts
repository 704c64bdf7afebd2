// Schema validation (Ajv) and the translation of its errors into problems that name the key, never its value.

import { Ajv, type ErrorObject } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { isDirModeUsable, isFileModeUsable } from '../file-modes.js';
import { parseAge } from './age.js';
import { parseByteSize } from './byte-size.js';
import { parseDuration } from './duration.js';
import { problem, RANK, type Problem, type Seg } from './problems.js';
import { ConfigSchema } from './schema.js';

const ajv = new Ajv({
  allErrors: true, // every problem, not the first
  useDefaults: true, // missing keys take the schema's defaults
  coerceTypes: false, // see load.ts's header: the only coercion is ours, for ${VAR} and flags
  strict: true,
  allowUnionTypes: true, // durations are `string | integer`
  verbose: true, // errors carry their schema, for messages that state both bounds of a range
});
ajv.addFormat('duration', { type: 'string', validate: (s: string) => parseDuration(s).ok });
ajv.addFormat('age', { type: 'string', validate: (s: string) => parseAge(s).ok });
ajv.addFormat('byte-size', { type: 'string', validate: (s: string) => parseByteSize(s).ok });
ajv.addFormat('file-mode', { type: 'string', validate: isFileModeUsable });
ajv.addFormat('dir-mode', { type: 'string', validate: isDirModeUsable });
export const validateSchema = ajv.compile(ConfigSchema);

/** Keys under `kafka` that look like credentials get a message that says where credentials go. */
const CREDENTIAL_KEY = /user|pass|secret|credential|sasl|jaas/i;

export function translateAjvError(e: ErrorObject, data: unknown): Problem[] {
  const segs = pointerToSegs(e.instancePath, data);
  const schema = (e.parentSchema ?? {}) as TSchema;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      if (segs[0] === 'kafka' && CREDENTIAL_KEY.test(key)) {
        return [
          problem(
            [...segs, key],
            'credentials are never read from the config file: set the KAFKA_USERNAME and KAFKA_PASSWORD environment variables',
            RANK.credentials,
          ),
        ];
      }
      const known = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
      const guess = suggest(key, known);
      return [problem([...segs, key], guess === undefined ? 'unknown key' : `unknown key (did you mean "${guess}"?)`)];
    }
    case 'required':
      return [problem([...segs, String(params.missingProperty)], 'is required')];
    case 'type': {
      // A wrong type hides the enum/range complaints about the same value.
      if (e.data === null) return [problem(segs, 'has no value: give one, or remove the key to get its default', RANK.type)];
      const message = VALUE_FORMATS.has(String(schema.format)) ? valueMessage(schema.format as string, e.data) : typeMessage(String(params.type));
      return [problem(segs, message, RANK.type)];
    }
    case 'format':
      if (schema.format === 'file-mode') return [problem(segs, modeMessage('rw-', '0640'))];
      if (schema.format === 'dir-mode') return [problem(segs, modeMessage('rwx', '0750'))];
      return [problem(segs, valueMessage(String(schema.format), e.data))];
    case 'enum':
      return [problem(segs, `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`)];
    case 'minimum':
    case 'maximum':
      if (VALUE_FORMATS.has(String(schema.format))) return [problem(segs, valueMessage(String(schema.format), e.data))];
      if (schema.minimum !== undefined && schema.maximum !== undefined) {
        return [problem(segs, `must be between ${schema.minimum} and ${schema.maximum}`)];
      }
      return [problem(segs, e.keyword === 'minimum' ? `must be >= ${params.limit}` : `must be <= ${params.limit}`)];
    case 'minLength':
      return [problem(segs, params.limit === 1 ? 'must not be empty' : `must be at least ${params.limit} characters`)];
    default:
      return [problem(segs, e.message ?? 'is invalid')];
  }
}

/** Formats of values written as text or a number (their parsers word the problem). */
const VALUE_FORMATS = new Set(['duration', 'age', 'byte-size']);

function valueMessage(format: string, value: unknown): string {
  const parse = format === 'age' ? parseAge : format === 'byte-size' ? parseByteSize : parseDuration;
  const r = typeof value === 'string' || typeof value === 'number' ? parse(value) : parse(-1);
  return r.ok ? 'is invalid' : r.message;
}

function modeMessage(owner: string, example: string): string {
  return `must be an octal permission string of 3 or 4 digits giving the owner at least ${owner} (e.g. "${example}")`;
}

function typeMessage(type: string): string {
  const words: Record<string, string> = {
    string: 'must be a string',
    integer: 'must be a whole number',
    number: 'must be a number',
    boolean: 'must be true or false',
    object: 'must be a mapping of keys (an object)',
    array: 'must be a list',
  };
  return words[type] ?? `must be of type ${type}`;
}

/** JSON pointer → path segments; indices of arrays become numbers (so they print as `[1]`). */
function pointerToSegs(pointer: string, data: unknown): Seg[] {
  if (pointer === '') return [];
  const segs: Seg[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg: Seg = Array.isArray(node) ? Number(key) : key;
    segs.push(seg);
    node = node !== null && typeof node === 'object' ? (node as Record<Seg, unknown>)[seg] : undefined;
  }
  return segs;
}

/** The closest known key within 2 edits (or differing only in case), for "did you mean". */
function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
