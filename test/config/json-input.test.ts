// The `json.*` keys: a preset, field names over it, the timestamp unit; bad names stop the load naming the key.
import { describe, expect, it } from 'vitest';

import { configFrom, type ConfigResult } from '../../src/config/load.js';

const byPath = (r: ConfigResult): Record<string, string> => (r.ok ? {} : Object.fromEntries(r.problems.map((p) => [p.path, p.message])));

describe('json.* config keys', () => {
  it('default to the seed names and milliseconds; a preset and fields are kept as given', () => {
    const d = configFrom({}, { env: {} });
    expect(d.ok && d.config.json).toEqual({ preset: null, fields: {}, timestampUnit: 'ms' });
    const c = configFrom({ json: { preset: 'ecs', fields: { ip: 'client.address', user_agent: 'ua' }, timestampUnit: 's' } }, { env: {} });
    expect(c.ok && c.config.json).toEqual({ preset: 'ecs', fields: { ip: 'client.address', user_agent: 'ua' }, timestampUnit: 's' });
  });

  it('refuses unknown presets, fields and units, empty path parts and two fields on one key', () => {
    expect(Object.keys(byPath(configFrom({ json: { preset: 'caddy' } }, { env: {} })))).toEqual(['json.preset']);
    expect(Object.keys(byPath(configFrom({ json: { timestampUnit: 'us' } }, { env: {} })))).toEqual(['json.timestampUnit']);
    expect(Object.keys(byPath(configFrom({ json: { fields: { bytes: 'b' } } }, { env: {} })))).toEqual(['json.fields.bytes']);
    expect(byPath(configFrom({ json: { fields: { method: 'http..method' } } }, { env: {} }))).toEqual({
      'json.fields.method': 'must be a key or a dotted path of keys (none empty, at most 256 bytes)',
    });
    // nginx's preset reads the URL from request_uri: a method on that key too is refused
    expect(byPath(configFrom({ json: { preset: 'nginx', fields: { method: 'request_uri' } } }, { env: {} }))).toEqual({
      'json.fields.url': 'reads the same key as method ("request_uri")',
    });
  });
});
