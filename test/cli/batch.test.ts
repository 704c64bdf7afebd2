// `logpulse batch` as a user meets it: --since/--until, an empty archive, a corrupt Parquet file, an unwritable
// batch dir, bad flags, and the atomic publish (view symlinks into .runs/<batchId>, the manifest, old runs pruned).
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Manifest } from '../../src/batch/manifest.js';
import { makeFixture, type Fixture, readView, RULES } from '../batch/helpers.js';
import { oracle } from '../batch/oracle.js';
import { spawnCli } from '../support/cli.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await makeFixture(11);
});
afterAll(() => fx?.cleanup());

const VIEWS = ['ip_stats', 'url_stats', 'status_stats', 'minute_stats', 'user_agent_stats', 'thresholds'];
const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;

async function batch(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const p = spawnCli(['batch', ...args]);
  return { code: await p.exit, stderr: p.stderr() };
}

describe('logpulse batch', () => {
  it('--since/--until keep the records in [since, until), pruning hours and filtering rows', async () => {
    const dir = join(fx.root, 'ranged');
    const [since, until] = ['2026-12-05T22:40:00Z', '2026-12-06T00:15:30.5Z'];
    const r = await batch(['-c', fx.config(dir), '--since', since, '--until', until]);
    expect(r.code, r.stderr).toBe(0);
    const inRange = fx.records.filter((x) => x.timestampUs >= Date.parse(since) * 1000 && x.timestampUs < Date.parse(until) * 1000);
    const expected = oracle(inRange, { errorStatusMin: 400, windowMs: 30_000, rules: RULES, percentile: 90 });
    for (const view of ['ip_stats', 'status_stats', 'minute_stats', 'thresholds'] as const) expect(await readView(dir, view), view).toEqual(expected[view]);
    expect(manifestOf(dir)).toMatchObject({ records: inRange.length, since: '2026-12-05T22:40:00.000Z', until: '2026-12-06T00:15:30.500Z' });
  });

  it('publishes atomically: view symlinks into .runs/<batchId>, the manifest names that run, two runs kept', async () => {
    const dir = join(fx.root, 'published');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await batch(['-c', fx.config(dir)]);
      expect(r.code, r.stderr).toBe(0);
      ids.push(manifestOf(dir).batchId);
    }
    expect(new Set(ids).size).toBe(3);
    expect(readdirSync(join(dir, '.runs')).sort()).toEqual(ids.slice(1).sort());
    for (const view of VIEWS) {
      expect(readlinkSync(join(dir, view))).toBe(join('.runs', ids[2]!, view));
      expect(readdirSync(join(dir, view)).sort()).toEqual([`${view}.csv`, `${view}.parquet`]);
    }
    expect(readFileSync(join(dir, '.runs', ids[2]!, 'manifest.json'), 'utf8')).toBe(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('an empty or missing archive: empty views, records 0, exit 0, and a log line saying so', async () => {
    const dir = join(fx.root, 'empty-out');
    const r = await batch(['-c', fx.config(dir, join(fx.root, 'no-archive'))]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('no records in the archive');
    expect(manifestOf(dir)).toMatchObject({ records: 0, cutoffEventTime: null, inputFiles: [] });
    for (const view of ['ip_stats', 'url_stats', 'status_stats', 'minute_stats', 'user_agent_stats']) expect(await readView(dir, view), view).toEqual([]);
    // One row per rule, with no value to base a threshold on.
    expect((await readView(dir, 'thresholds')).map((row) => [row[2], row[3]])).toEqual(RULES.map(() => [null, 0]));
  });

  it('a corrupt Parquet file refuses the batch (exit 1) naming the file; the published batch stays', async () => {
    const archive = join(fx.root, 'corrupt-archive');
    const hour = join(archive, 'date=2026-12-06', 'hour=01');
    mkdirSync(hour, { recursive: true });
    const dir = join(fx.root, 'corrupt-out');
    expect((await batch(['-c', fx.config(dir)])).code).toBe(0);
    const before = manifestOf(dir);
    const bad = join(hour, 'part-r9-0-0000000001.parquet');
    writeFileSync(bad, 'PAR1 this is not a parquet file');
    const r = await batch(['-c', fx.config(dir, archive)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('LP_ERR_BATCH_INPUT');
    expect(r.stderr).toContain(bad);
    expect(manifestOf(dir)).toEqual(before);
    for (const view of VIEWS) expect(readlinkSync(join(dir, view))).toBe(join('.runs', before.batchId, view));
  });

  it('an unwritable batch dir: exit 1, LP_ERR_BATCH_OUTPUT naming the path', async () => {
    const file = join(fx.root, 'a-file');
    writeFileSync(file, '');
    const r = await batch(['-c', fx.config(join(file, 'batch'))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('LP_ERR_BATCH_OUTPUT');
    expect(r.stderr).toContain(join(file, 'batch'));
  });

  it('a bad --since or --until exits 2 naming the flag; nothing is written', async () => {
    const dir = join(fx.root, 'bad-flags');
    const bad = await batch(['-c', fx.config(dir), '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('LP_ERR_ARGS: --since');
    const reversed = await batch(['-c', fx.config(dir), '--since', '2026-12-06', '--until', '2026-12-05T10:00:00+01:00']);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain('--until');
    expect(existsSync(dir)).toBe(false);
  });

  it('progress: plain structured lines on stderr when it is not a terminal', async () => {
    const r = await batch(['-c', fx.config(join(fx.root, 'progress'))]);
    expect(r.code, r.stderr).toBe(0);
    const steps = r.stderr
      .split('\n')
      .filter((l) => l.includes('"step"'))
      .map((l) => JSON.parse(l) as { step: number; of: number; label: string });
    expect(steps.map((s) => s.label)).toEqual(['listing the archive', ...VIEWS, 'publishing']);
    expect(steps.every((s, i) => s.step === i + 1 && s.of === VIEWS.length + 2)).toBe(true);
  });
});
