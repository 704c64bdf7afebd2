// What a reload does with each changed key: in place, an API restart or a rebuild (src/daemon/reload-plan.ts), and
// the key-by-key comparison it rests on (src/config/diff.ts).
import { describe, expect, it } from 'vitest';

import { configChanges, withChanges } from '../../src/config/diff.js';
import { configFrom } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { keysOf, planReload } from '../../src/daemon/reload-plan.js';

function config(file: Record<string, unknown>, env: Record<string, string> = {}): Config {
  const r = configFrom(file, { env });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

const base = { source: 'generator:', alerts: { rules: [{ type: 'errors_per_status', threshold: 100 }] }, api: { token: 'a' } };

describe('configChanges', () => {
  it('names changed leaf keys as the file does, a list as one key, and nothing for equal configs', () => {
    const a = config(base);
    expect(configChanges(a, config(base))).toEqual([]);
    const b = config({ ...base, pipeline: { window: '1m', workers: 3 }, console: { every: '2s' }, api: { token: 'b', corsOrigins: ['https://x.example'] } });
    expect(keysOf(configChanges(a, b))).toEqual(['pipeline.window', 'pipeline.workers', 'console.every', 'api.token', 'api.corsOrigins']);
  });

  it('withChanges copies only the given keys', () => {
    const a = config(base);
    const b = config({ ...base, pipeline: { workers: 3 }, console: { every: '2s' } });
    const mixed = withChanges(a, b, configChanges(a, b).filter((c) => c.key === 'console.every'));
    expect(mixed.console.everyMs).toBe(2000);
    expect(mixed.pipeline.workers).toBe(a.pipeline.workers);
    expect(a.console.everyMs).toBe(10_000);
  });
});

describe('planReload', () => {
  const plan = (file: Record<string, unknown>, env: Record<string, string> = {}) => {
    const p = planReload(config(base), config(file, env));
    return { inPlace: keysOf(p.inPlace), rebuild: keysOf(p.rebuild), api: keysOf(p.api) };
  };

  it('applies retention limits in place, per kind as they resolve', () => {
    const p = plan({ ...base, output: { retention: { maxSize: '1GB', errors: { maxAge: '1d' } } }, archive: { retention: { maxAge: '90d' } } });
    expect(p.rebuild).toEqual([]);
    expect(p.api).toEqual([]);
    expect(p.inPlace).toEqual([
      'output.retention.errors.maxAge',
      'output.retention.errors.maxSize',
      'output.retention.metrics.maxSize',
      'output.retention.rejected.maxSize',
      'output.retention.alerts.maxSize',
      'output.retention.partials.maxSize',
      'archive.retention.maxAge',
    ]);
  });

  it('limits: the rejected cap, the listener\'s connection limits and the memory limit in place; the line and buffer bounds need a rebuild', () => {
    expect(plan({ ...base, limits: { rejectedPerSecond: 5, maxConnections: 9, idleTimeout: '1m', maxLineBytes: 1024, maxBufferedBytes: 4_194_304, maxMemory: 536_870_912 } })).toEqual({
      inPlace: ['limits.maxConnections', 'limits.idleTimeout', 'limits.maxMemory', 'limits.rejectedPerSecond'],
      rebuild: ['limits.maxLineBytes', 'limits.maxBufferedBytes'],
      api: [],
    });
  });

  it('applies thresholds, console, intervals, log level, webhook and the token in place', () => {
    expect(
      plan(
        {
          ...base,
          alerts: {
            early: false,
            webhook: 'https://hooks.example.com/x',
            webhookFormat: 'slack',
            webhookSecretEnv: 'HOOK_SECRET',
            rules: [{ type: 'errors_per_status', threshold: 5 }],
          },
          console: { enabled: false, every: '1s' },
          output: { resultsEvery: '5s', rotateEvery: '2s' },
          log: { level: 'debug' },
          api: { token: 'b' },
          shutdownTimeout: '30s',
        },
        { HOOK_SECRET: 'x' },
      ),
    ).toEqual({
      inPlace: [
        'output.rotateEvery',
        'output.resultsEvery',
        'console.enabled',
        'console.every',
        'alerts.early',
        'alerts.webhook',
        'alerts.webhookFormat',
        'alerts.webhookSecretEnv',
        'alerts.rules',
        'api.token',
        'shutdownTimeout',
        'log.level',
      ],
      rebuild: [],
      api: [],
    });
  });

  it('rebuilds for the source, format, workers, window, watermark, output and checkpoint dirs', () => {
    expect(
      plan({ ...base, source: 'stdin:', format: 'json', pipeline: { workers: 4, window: '1m', watermark: '5s' }, output: { dir: 'o2' }, checkpoint: { dir: 'c2' } }),
    ).toEqual({ inPlace: [], rebuild: ['source', 'format', 'pipeline.window', 'pipeline.watermark', 'pipeline.workers', 'output.dir', 'checkpoint.dir'], api: ['output.dir'] });
  });

  it('takes the batch engine keys in place (only `logpulse batch` reads them); a cluster key rebuilds', () => {
    expect(plan({ ...base, batch: { engine: 'spark', sparkMaster: 'local[4]', sparkSubmit: '/opt/spark/bin/spark-submit' } })).toEqual({
      inPlace: ['batch.engine', 'batch.sparkMaster', 'batch.sparkSubmit'],
      rebuild: [],
      api: [],
    });
    expect(plan({ ...base, cluster: { topic: 'other-state' } })).toEqual({ inPlace: [], rebuild: ['cluster.topic'], api: [] });
  });

  it('rebuilds when a rule needs per-group counts the shards do not keep (or no longer needs them)', () => {
    const rules = [{ type: 'errors_per_status', threshold: 1 }, { type: 'url_error_rate', threshold: 0.5 }];
    expect(plan({ ...base, alerts: { rules } })).toEqual({ inPlace: [], rebuild: ['alerts.rules'], api: [] });
  });

  it('restarts the API for its address, and when auth is turned on or off', () => {
    expect(plan({ ...base, api: { token: 'a', port: 9999, host: '0.0.0.0' } })).toEqual({ inPlace: [], rebuild: [], api: ['api.host', 'api.port'] });
    expect(plan({ ...base, api: {} })).toEqual({ inPlace: [], rebuild: [], api: ['api.token'] });
    // LOGPULSE_API_TOKEN wins over the file: a reload sees the token the daemon would use.
    expect(plan(base, { LOGPULSE_API_TOKEN: 'env' })).toEqual({ inPlace: ['api.token'], rebuild: [], api: [] });
  });
});
