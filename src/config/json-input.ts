// The `json.*` keys: which input keys hold the fields of a JSON line, and the unit of numeric timestamps. The
// native core reads the lines (native/core/src/parse/json_keys.rs holds the same presets); this file checks a
// config up front, so that a bad name stops the start naming its key instead of failing inside a shard.

import { problem, type Problems, type Seg } from './problems.js';

export const JSON_FIELDS = ['timestamp', 'ip', 'method', 'url', 'status', 'user_agent'] as const;
export type JsonField = (typeof JSON_FIELDS)[number];
export const JSON_PRESETS = ['nginx', 'apache', 'ecs'] as const;
export type JsonPreset = (typeof JSON_PRESETS)[number];
export const TIMESTAMP_UNITS = ['ms', 's'] as const;

/** The input keys each preset reads (README "Input formats" has the log formats they are written for). */
export const PRESET_KEYS: Record<JsonPreset, Record<JsonField, string>> = {
  nginx: { timestamp: 'time_iso8601', ip: 'remote_addr', method: 'request_method', url: 'request_uri', status: 'status', user_agent: 'http_user_agent' },
  apache: { timestamp: 'time', ip: 'client', method: 'method', url: 'uri', status: 'status', user_agent: 'userAgent' },
  ecs: {
    timestamp: '@timestamp',
    ip: 'source.ip',
    method: 'http.request.method',
    url: 'url.original',
    status: 'http.response.status_code',
    user_agent: 'user_agent.original',
  },
};

const MAX_NAME_BYTES = 256;

/** Names must be a key or a dotted path with no empty part; two fields may not read one key. */
export function checkJsonInput(json: unknown, out: Problems): void {
  if (json === null || typeof json !== 'object') return;
  const { preset, fields } = json as { preset?: unknown; fields?: unknown };
  const names: Record<string, string> = { ...(JSON_PRESETS as readonly unknown[]).includes(preset) ? PRESET_KEYS[preset as JsonPreset] : {} };
  if (fields !== null && typeof fields === 'object') {
    for (const [field, name] of Object.entries(fields as Record<string, unknown>)) {
      if (typeof name !== 'string') continue;
      const at: Seg[] = ['json', 'fields', field];
      if (name.split('.').some((part) => part === '') || Buffer.byteLength(name) > MAX_NAME_BYTES) {
        out.add(problem(at, `must be a key or a dotted path of keys (none empty, at most ${MAX_NAME_BYTES} bytes)`));
      }
      names[field] = name;
    }
  }
  const seen = new Map<string, string>();
  for (const field of JSON_FIELDS) {
    const name = names[field] ?? field;
    const other = seen.get(name);
    if (other !== undefined) out.add(problem(['json', 'fields', field], `reads the same key as ${other} (${JSON.stringify(name)})`));
    else seen.set(name, field);
  }
}
