// The Parquet archive through the binding: options, archiveCut's files and errors as data, compactParquet off
// the JS thread. The file contents are checked by the Rust tests (native/core/src/archive/tests.rs), which
// read them back with the parquet reader.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { compactParquet, Shard } from '../../src/native.js';

const NOW_US = Date.parse('2025-06-10T00:00:00Z') * 1000;
const JSON_LINE = '{"timestamp": "2025-06-09T09:42:40.001034Z", "ip": "208.173.67.38", "method": "GET", "url": "/resource/3", "status": 404}';
const CLF_LINE = '10.0.0.1 - - [09/Jun/2025:10:00:01 +0000] "GET /a HTTP/1.1" 200 512 "https://ex.com/" "curl/8.0"';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'lp-archive-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const parquet = (path: string): boolean => {
  const b = readFileSync(path);
  return b.subarray(0, 4).toString() === 'PAR1' && b.subarray(-4).toString() === 'PAR1';
};

describe('archive', () => {
  it('cuts one Parquet file per event-time hour, counts archived rows, and never writes an empty file', () => {
    const dir = tempDir();
    const shard = new Shard({ archive: { dir, run: 'run1', shard: 2 } });
    const out = shard.process('web', Buffer.from(`${JSON_LINE}\n${CLF_LINE}\ngarbage\n`), NOW_US);
    expect(out.counters).toMatchObject({ records: 2, archived: 2 });
    const cut = shard.archiveCut(1);
    expect(cut.error).toBeNull();
    expect(cut.files).toEqual([
      { path: 'date=2025-06-09/hour=09/part-run1-2-0000000001.parquet', rows: 1, hourStartUs: Date.parse('2025-06-09T09:00:00Z') * 1000 },
      { path: 'date=2025-06-09/hour=10/part-run1-2-0000000001.parquet', rows: 1, hourStartUs: Date.parse('2025-06-09T10:00:00Z') * 1000 },
    ]);
    for (const f of cut.files) expect(parquet(join(dir, f.path))).toBe(true);
    expect(readdirSync(join(dir, 'date=2025-06-09/hour=09'))).toEqual(['part-run1-2-0000000001.parquet']);
    expect(shard.archiveCut(2)).toEqual({ files: [], error: null });
  });

  it('reports a write failure as data and keeps the rows for the cut that can write them', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const shard = new Shard({ archive: { dir: file, run: 'r', shard: 0 } });
    const out = shard.process('s', Buffer.from(`${JSON_LINE}\n`), NOW_US);
    expect(out.counters).toMatchObject({ records: 1, errors: 1, archived: 1 });
    const cut = shard.archiveCut(1);
    expect(cut.files).toEqual([]);
    expect(cut.error).toContain(file);
    expect(cut.error).toContain('1 rows are kept');
    expect(shard.archiveCut(2).error).toContain(file);
    rmSync(file);
    expect(shard.archiveCut(3)).toEqual({ files: [{ path: 'date=2025-06-09/hour=09/part-r-0-0000000003.parquet', rows: 1, hourStartUs: Date.parse('2025-06-09T09:00:00Z') * 1000 }], error: null });
    expect(parquet(join(file, 'date=2025-06-09/hour=09/part-r-0-0000000003.parquet'))).toBe(true);
  });

  it('validates the options, touches no disk before the cut, and discards', () => {
    expect(() => new Shard({ archive: { dir: '/tmp', run: 'a b', shard: 0 } })).toThrow(/LP_ERR_NATIVE_OPTION: archive.run/);
    expect(() => new Shard({ archive: { dir: '/tmp', run: 'a', shard: 70000 } })).toThrow(/LP_ERR_NATIVE_OPTION: archive.shard/);
    const dir = tempDir();
    const shard = new Shard({ archive: { dir, run: 'r', shard: 0 } });
    shard.process('s', Buffer.from(`${JSON_LINE}\n`), NOW_US);
    expect(readdirSync(dir)).toEqual([]);
    shard.archiveDiscard();
    expect(shard.archiveCut(1)).toEqual({ files: [], error: null });
    expect(readdirSync(dir)).toEqual([]);
    expect(new Shard().archiveCut(1).error).toMatch(/off/);
  });

  it('compacts files into one off the JS thread, and rejects a foreign input naming it', async () => {
    const dir = tempDir();
    const shard = new Shard({ archive: { dir, run: 'r', shard: 0 } });
    const inputs: string[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      shard.process('s', Buffer.from(`${JSON_LINE}\n`.repeat(seq * 10)), NOW_US);
      inputs.push(join(dir, shard.archiveCut(seq).files[0]!.path));
    }
    const output = join(dir, 'date=2025-06-09/hour=09/compacted.parquet');
    await expect(compactParquet(inputs, output)).resolves.toBe(60);
    expect(parquet(output)).toBe(true);
    expect(inputs.every((i) => existsSync(i))).toBe(true);
    const bogus = join(dir, 'bogus.parquet');
    writeFileSync(bogus, 'no');
    await expect(compactParquet([inputs[0]!, bogus], join(dir, 'out.parquet'))).rejects.toThrow(/^LP_ERR_NATIVE_ARCHIVE: .*bogus\.parquet/);
  });
});
