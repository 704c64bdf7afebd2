import { describe, expect, it } from 'vitest';
import { configKeys } from '../../src/config/config-keys.js';

// The schema's descriptions are the config reference (README): a key without one is an undocumented key.
describe('config schema', () => {
  const keys = configKeys();

  it('documents every key, and every key has a default or is explicitly unset by default', () => {
    expect(keys.length).toBeGreaterThan(40);
    for (const key of keys) {
      expect(key.description.length, `${key.path} description`).toBeGreaterThan(10);
      const isRuleField = key.path.startsWith('alerts.rules[].');
      if (!isRuleField && key.default === undefined) {
        expect(key.description, `${key.path} has no default, so its description must say it is unset`).toMatch(/Unset/);
      }
    }
  });

  it('lists the SPEC §7 keys with their defaults', () => {
    const defaults = Object.fromEntries(keys.map((k) => [k.path, k.default]));
    expect(defaults).toMatchObject({
      source: 'generator:',
      format: 'auto',
      'pipeline.window': '30s',
      'pipeline.watermark': '10s',
      'pipeline.workers': 2,
      'output.dir': 'output',
      'output.rotateEvery': '10s',
      'console.every': '10s',
      'alerts.rules': [{ type: 'errors_per_status', threshold: 100 }],
      'kafka.security.protocol': 'PLAINTEXT',
      'api.port': 8080,
      'limits.maxLineBytes': 65_536,
      shutdownTimeout: '10s',
    });
    expect(keys.find((k) => k.path === 'pipeline.window')?.type).toBe('duration');
    expect(keys.find((k) => k.path === 'pipeline.workers')?.type).toBe('integer (1..64)');
    expect(keys.find((k) => k.path === 'alerts.rules[].type')?.required).toBe(true);
  });

  it('has no place for Kafka credentials', () => {
    // `json.fields.user_agent` names an input field (the HTTP User-Agent), not a credential.
    expect(keys.map((k) => k.path).filter((p) => /user|pass/i.test(p) && p !== 'json.fields.user_agent')).toEqual([]);
  });
});
