// The API's reader of complete output files (src/api/output-files.ts) under retention: a file deleted between the
// directory listing and its read is skipped (not a 500), and one deleted between queries is forgotten.
import { mkdirSync, mkdtempSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { OutputFiles } from '../../src/api/output-files.js';
import { fileName } from '../../src/sinks/file-names.js';

interface Row {
  t: number;
}

function metricsDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'logpulse-output-files-')), 'metrics');
  mkdirSync(dir);
  for (let seq = 1; seq <= 3; seq++) writeFileSync(join(dir, fileName('metrics', 'all', '20260101T000000Z', seq)), `{"t":${seq * 10}}\n{"t":${seq * 10 + 1}}\n`);
  return dir;
}

const reader = (dir: string) => new OutputFiles<Row>({ dir, kind: 'metrics', times: (r) => [r.t], cacheRows: 0 });

describe('OutputFiles under retention', () => {
  it('skips a file that is listed but gone when read', async () => {
    const dir = metricsDir();
    // Listed by readdir, ENOENT on open: what a file deleted right after the listing looks like.
    symlinkSync(join(dir, 'deleted-meanwhile'), join(dir, fileName('metrics', 'all', '20260101T000000Z', 4)));
    const rows = await reader(dir).query(0, 0, 100);
    expect(rows.map((r) => r.t).sort((a, b) => a - b)).toEqual([10, 11, 20, 21, 30, 31]);
  });

  it('forgets a file deleted between two queries', async () => {
    const dir = metricsDir();
    const files = reader(dir);
    expect((await files.query(0, 0, 100)).length).toBe(6);
    unlinkSync(join(dir, fileName('metrics', 'all', '20260101T000000Z', 1)));
    expect((await files.query(0, 0, 100)).map((r) => r.t).sort((a, b) => a - b)).toEqual([20, 21, 30, 31]);
  });
});
