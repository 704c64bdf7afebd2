// Every row of every view, from `logpulse batch` run on a generated archive, against the same records counted in
// TypeScript (test/batch/oracle.ts): late records counted in the stats, left out of the thresholds; the
// compaction journal applied (no record twice, none lost); CSV and Parquet alike.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Manifest } from '../../src/batch/manifest.js';
import { spawnCli } from '../support/cli.js';
import { type Fixture, makeFixture, PERCENTILE, readView, RULES } from './helpers.js';
import { oracle } from './oracle.js';

let fx: Fixture;
let expected: ReturnType<typeof oracle>;
let batchDir: string;

beforeAll(async () => {
  fx = await makeFixture();
  batchDir = join(fx.root, 'batch');
  const p = spawnCli(['batch', '-c', fx.config(batchDir)]);
  expect(await p.exit, p.stderr()).toBe(0);
  expected = oracle(fx.records, { errorStatusMin: 400, windowMs: 30_000, rules: RULES, percentile: PERCENTILE });
});
afterAll(() => fx?.cleanup());

describe('logpulse batch views equal the records counted in TypeScript', () => {
  for (const view of ['ip_stats', 'url_stats', 'status_stats', 'minute_stats', 'user_agent_stats', 'thresholds'] as const) {
    it(view, async () => {
      expect(await readView(batchDir, view)).toEqual(expected[view]);
    });
  }

  it('the fixture exercises what it should: late records, null user agents, thresholds from hundreds of values', () => {
    expect(fx.records.some((r) => r.late) && fx.records.some((r) => r.userAgent === null)).toBe(true);
    for (const row of expected.thresholds) expect(row[3]).toBeGreaterThan(100);
  });

  it('the CSV files hold the same rows, with a header', async () => {
    for (const view of ['ip_stats', 'url_stats', 'status_stats', 'minute_stats', 'user_agent_stats', 'thresholds'] as const) {
      expect(await readView(batchDir, view, 'csv'), view).toEqual(await readView(batchDir, view));
    }
    expect(readFileSync(join(batchDir, 'ip_stats', 'ip_stats.csv'), 'utf8').split('\n')[0]).toBe('ip,nb_connexions,errors');
    expect(readFileSync(join(batchDir, 'thresholds', 'thresholds.csv'), 'utf8').split('\n')[0]).toBe(
      'rule,type,threshold,windows,percentile,configured_threshold',
    );
  });

  it('the manifest says what was read: the compacted hour once, the mid-compaction hour from its inputs', () => {
    const m = JSON.parse(readFileSync(join(batchDir, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.records).toBe(fx.records.length);
    expect(m.inputFiles).toEqual([
      'date=2026-12-05/hour=22/compact-r1-0000000001.parquet',
      'date=2026-12-05/hour=23/part-r1-0-0000000001.parquet',
      'date=2026-12-05/hour=23/part-r1-1-0000000001.parquet',
      'date=2026-12-06/hour=00/part-r1-0-0000000001.parquet',
      'date=2026-12-06/hour=00/part-r1-1-0000000001.parquet',
    ]);
    const maxUs = Math.max(...fx.records.map((r) => r.timestampUs));
    expect(m.cutoffEventTime).toBe(`${new Date(Math.floor(maxUs / 1000)).toISOString().slice(0, 19)}.${String(maxUs % 1_000_000).padStart(6, '0')}Z`);
    expect(m).toMatchObject({ since: null, until: null, mode: 'full', rows: Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v.length])) });
  });
});
