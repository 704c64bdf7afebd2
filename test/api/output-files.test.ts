// The API's reader of complete output files (src/api/output-files.ts) under retention: a file deleted between the
// directory listing and its read is skipped (not a 500), and one deleted between queries is forgotten; parsed rows
// are kept for a bounded number of bytes of file text (issue 20).
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

const reader = (dir: string) => new OutputFiles<Row>({ dir, kind: 'metrics', times: (r) => [r.t], cacheBytes: 0 });

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

describe('OutputFiles cache', () => {
  it('keeps parsed rows for at most cacheBytes of file text, however many files a query reads, and answers the same', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'logpulse-output-files-')), 'metrics');
    mkdirSync(dir);
    // 40 files of about 12 KB each: rows with long URL lists, as window rows have.
    const urls = Array.from({ length: 100 }, (_, i) => `/resource/${i}`);
    let bytes = 0;
    for (let seq = 1; seq <= 40; seq++) {
      const text = Array.from({ length: 4 }, (_, i) => JSON.stringify({ t: seq * 10 + i, urls })).join('\n') + '\n';
      bytes += Buffer.byteLength(text);
      writeFileSync(join(dir, fileName('metrics', 'all', '20260101T000000Z', seq)), text);
    }
    const bound = 32 * 1024;
    const files = new OutputFiles<Row>({ dir, kind: 'metrics', times: (r) => [r.t], cacheBytes: bound });
    const all = async () => (await files.query(0, 0, 1000)).map((r) => r.t).sort((a, b) => a - b);
    const first = await all();
    expect(first.length).toBe(160);
    expect(bytes).toBeGreaterThan(4 * bound);
    expect(files.cachedBytes).toBeGreaterThan(0);
    expect(files.cachedBytes).toBeLessThanOrEqual(bound);
    // Evicted files are read again from disk: the same rows, and the bound still holds.
    expect(await all()).toEqual(first);
    expect(files.cachedBytes).toBeLessThanOrEqual(bound);
    // The most recent range fits and stays cached.
    expect((await files.query(0, 390, 1000)).length).toBe(8);
    expect(files.cachedBytes).toBeLessThanOrEqual(bound);
  });
});
