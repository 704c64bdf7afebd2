// archive.retention end to end: ten hours of event time through `logpulse run` with maxAge 3h leave the last hours
// (counted from the newest hour, as Prometheus counts) and `logpulse batch` over the pruned archive reads exactly
// their records and says where its period starts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { spawnCli } from '../support/cli.js';
import { CLI } from '../support/paths.js';
import { lines } from './helpers.js';

it('archive.retention.maxAge 3h over 10 hours of event time: the last 4 hours stay, and a batch covers exactly them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-archive-retention-'));
  const input = join(dir, 'history.ndjson');
  // 36,000 lines, one per second of event time: 2025-06-01 00:00 to 10:00.
  const g = spawnSync(process.execPath, [CLI, 'gen', '--rate', '0', '--count', '36000', '--seed', '4', '--start', '2025-06-01T00:00:00Z', '--step', '1000'], { maxBuffer: 1 << 28 });
  expect(g.status, g.stderr.toString()).toBe(0);
  writeFileSync(input, g.stdout);
  const archive = join(dir, 'logs');
  const batchDir = join(dir, 'batch');
  const cfg = join(dir, 'run.yaml');
  writeFileSync(
    cfg,
    `console: { enabled: false }\napi: { enabled: false }\nsource: "file:${input}"\noutput: { dir: ${join(dir, 'out')} }\ncheckpoint: { dir: ${join(dir, 'cp')} }\n` +
      `archive: { enabled: true, dir: ${archive}, retention: { maxAge: 3h } }\nbatch: { dir: ${batchDir} }\n`,
  );
  const run = spawnCli(['run', '-c', cfg]);
  expect(await run.exit, run.stderr()).toBe(0);
  const pruned = lines(run.stderr())
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'retention: archive hours deleted');
  expect(pruned.length).toBeGreaterThan(0);
  expect(pruned.reduce((n, l) => n + (l.hours as number), 0)).toBe(6);
  expect(pruned[0]).toMatchObject({ kind: 'archive', reason: 'age', from: '2025-06-01T00:00:00.000Z' });

  // The newest hour (09) ends at 10:00: hours ending more than 3 h before (00..05) are gone.
  expect(readdirSync(archive).filter((n) => n.startsWith('date='))).toEqual(['date=2025-06-01']);
  expect(readdirSync(join(archive, 'date=2025-06-01')).sort()).toEqual(['hour=06', 'hour=07', 'hour=08', 'hour=09']);

  const batch = spawnCli(['batch', '-c', cfg]);
  expect(await batch.exit, batch.stderr()).toBe(0);
  const manifest = JSON.parse(readFileSync(join(batchDir, 'manifest.json'), 'utf8')) as { records: number; firstEventTime: string; cutoffEventTime: string };
  const kept = lines(readFileSync(input, 'utf8')).filter((l) => (JSON.parse(l) as { timestamp: string }).timestamp >= '2025-06-01T06');
  expect(manifest.records).toBe(kept.length);
  expect(manifest.firstEventTime).toMatch(/^2025-06-01T06:00:0/);
  expect(manifest.cutoffEventTime).toMatch(/^2025-06-01T09:59:5/);
}, 120_000);
