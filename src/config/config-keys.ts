// The config reference, read off the schema: every key with its type, default and description, in document order.
// `npm run docs:config` writes it into the README (scripts/config-reference.ts); a test checks every key has one.
import type { TSchema } from '@sinclair/typebox';

import { ConfigSchema } from './schema.js';

/** One row of the config reference. */
export interface ConfigKeyDoc {
  /** Dotted path; list items as `[]`: `alerts.rules[].threshold`. */
  path: string;
  /** `string`, `integer (1..64)`, `duration`, `json | csv | clf | auto`, `boolean`, `list`, `section`, … */
  type: string;
  /** Undefined for keys that are unset unless configured (the description says so). */
  default: unknown;
  required: boolean;
  description: string;
}

/** Every key of the schema in document order, for the README's config reference (and the test that all are documented). */
export function configKeys(schema: TSchema = ConfigSchema, prefix = ''): ConfigKeyDoc[] {
  const rows: ConfigKeyDoc[] = [];
  const props = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  const required = new Set((schema as { required?: string[] }).required ?? []);
  for (const [key, child] of Object.entries(props)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    rows.push({
      path,
      type: typeLabel(child),
      default: child.default as unknown,
      required: required.has(key) && child.default === undefined,
      description: String(child.description ?? ''),
    });
    if (child.type === 'object') rows.push(...configKeys(child, path));
    const items = (child as { items?: TSchema }).items;
    if (child.type === 'array' && items?.type === 'object') rows.push(...configKeys(items, `${path}[]`));
  }
  return rows;
}

function typeLabel(s: TSchema): string {
  if (s.format === 'duration') return 'duration';
  if (s.format === 'age') return 'age';
  if (s.format === 'byte-size') return 'byte size';
  if (Array.isArray(s.enum)) return (s.enum as string[]).join(' | ');
  if (s.type === 'object') return 'section';
  if (s.type === 'array') return 'list';
  if (s.type === 'integer' && s.minimum !== undefined && s.maximum !== undefined) return `integer (${s.minimum}..${s.maximum})`;
  if (s.type === 'integer' && s.minimum !== undefined) return `integer (>= ${s.minimum})`;
  return String(s.type);
}
