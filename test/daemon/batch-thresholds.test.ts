// `alerts.thresholdsFrom: batch`: which threshold each rule runs with, and a new batch picked up while running.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import type { AlertRule } from '../../src/config/types.js';
import { BatchThresholds, chooseThresholds, parseThresholdsCsv } from '../../src/daemon/batch-thresholds.js';

const rules: AlertRule[] = [
  { type: 'errors_per_status', threshold: 100 },
  { type: 'global_error_rate', threshold: 0.025, minRequests: 1 },
  { type: 'url_error_rate', threshold: 0.3, minRequests: 5 },
];
const CSV = 'rule,type,threshold,windows,percentile,configured_threshold\n0,errors_per_status,178,5760,99.0,100\n1,global_error_rate,0.0731,2880,99.0,0.025\n2,url_error_rate,,0,99.0,0.3\n';

describe('thresholds from the batch layer', () => {
  it('a rule with enough history takes the learned value; one without keeps its own, with the reason', () => {
    const { thresholds, notes } = chooseThresholds(rules, parseThresholdsCsv(CSV), 100);
    expect(thresholds).toEqual([178, 0.0731, 0.3]);
    expect(notes).toEqual(['rule 2 (url_error_rate): 0 windows of history, fewer than 100; keeps 0.3']);
    expect(chooseThresholds(rules, parseThresholdsCsv(CSV), 3000).thresholds).toEqual([178, 0.025, 0.3]);
  });

  it('a view made for other rules is not applied to these', () => {
    const swapped = [rules[1]!, rules[0]!];
    expect(chooseThresholds(swapped, parseThresholdsCsv(CSV), 1).thresholds).toEqual([0.025, 100]);
    expect(() => parseThresholdsCsv('a,b\n1,2\n')).toThrow(/not a thresholds view/);
  });

  it('applies the current batch at start and a newer one when it appears', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lp-batch-'));
    const applied: number[][] = [];
    const watcher = new BatchThresholds({ batchDir: dir, rules, minWindows: 100, everyMs: 60_000, apply: (t) => applied.push(t), log: pino({ level: 'silent' }) });
    await watcher.start();
    expect(applied).toEqual([]);
    mkdirSync(join(dir, 'thresholds'));
    writeFileSync(join(dir, 'thresholds', 'thresholds.csv'), CSV);
    writeFileSync(join(dir, 'manifest.json'), '{"batchId":"b1"}');
    await watcher.check();
    expect(applied).toEqual([[178, 0.0731, 0.3]]);
    await watcher.check();
    expect(applied).toHaveLength(1);
    writeFileSync(join(dir, 'thresholds', 'thresholds.csv'), CSV.replace('178', '190'));
    writeFileSync(join(dir, 'manifest.json'), '{"batchId":"b2", "createdAt": "later"}');
    await watcher.check();
    expect(applied[1]).toEqual([190, 0.0731, 0.3]);
    watcher.stop();
  });
});
