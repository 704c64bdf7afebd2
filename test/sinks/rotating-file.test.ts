// RotatingFileSink against real files in a temporary directory: what a reader of output/<kind>/ would see.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { RotatingFileSink, type RotatingFileSinkOptions, compactUtc } from '../../src/sinks/rotating-file.js';
import { LogpulseError } from '../../src/errors.js';
import { Rng } from '../support/rng.js';
import { sleep } from '../support/wait.js';
import { FaultFs, type FaultOp } from './fault-fs.js';

const NAME = /^errors-\d{8}T\d{6}Z-0-\d{6}\.ndjson$/;
/** vi.waitFor gives up after 1 s by default: too short for a few fs calls on a loaded 2-core CI. A stuck sink still fails. */
const WAIT = { timeout: 10_000 };

let dir: string;
const sinks: RotatingFileSink[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpulse-sink-'));
});

afterEach(async () => {
  // A test that failed half-way must not leave a retry timer keeping vitest alive.
  await Promise.all(sinks.splice(0).map((s) => s.destroy()));
  await rm(dir, { recursive: true, force: true });
});

function sink(options: Partial<RotatingFileSinkOptions> = {}): RotatingFileSink {
  const s = new RotatingFileSink({ dir, kind: 'errors', shard: '0', rotateEveryMs: 60_000, retryMinMs: 2, retryMaxMs: 20, ...options });
  sinks.push(s);
  return s;
}

/** Deterministic random lines (JSON-ish, varied lengths). */
function randomLines(rand: Rng, count: number): Buffer {
  let text = '';
  for (let i = 0; i < count; i++) {
    const len = rand.int(0, 199);
    let body = '';
    for (let j = 0; j < len; j++) body += String.fromCharCode(rand.int(32, 125));
    text += `${JSON.stringify({ n: i, body })}\n`;
  }
  return Buffer.from(text);
}

async function finalFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => !n.endsWith('.part')).sort();
}

async function concatFiles(): Promise<Buffer> {
  const names = await finalFiles();
  return Buffer.concat(await Promise.all(names.map((n) => readFile(join(dir, n)))));
}

describe('RotatingFileSink: rotation', () => {
  it('rotates on its timer into several complete, non-empty files whose concatenation is the input, byte for byte', async () => {
    const s = sink({ rotateEveryMs: 15 });
    const rand = new Rng(42);
    const written: Buffer[] = [];
    // Write until the timer has rotated a few times (however slow fsync is on this machine).
    for (let i = 0; i < 60 || (await finalFiles()).length < 3; i++) {
      const chunk = randomLines(rand, rand.int(1, 20));
      written.push(chunk);
      s.write(chunk);
      if (i % 4 === 3) await sleep(5);
    }
    // Chunks bigger than one write batch (4 MiB) and several that get joined into one.
    for (let i = 0; i < 3; i++) {
      const big = Buffer.from(`${'x'.repeat(3 * 1024 * 1024 + i)}\n`);
      written.push(big);
      s.write(big);
    }
    await s.close();

    const names = await readdir(dir);
    expect(names.filter((n) => n.endsWith('.part'))).toEqual([]);
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const n of names) {
      expect(n).toMatch(NAME);
      expect((await stat(join(dir, n))).size).toBeGreaterThan(0);
      expect((await readFile(join(dir, n))).at(-1)).toBe(0x0a); // every file ends on a complete line
    }
    const seqs = names.sort().map((n) => Number(n.slice(-13, -7)));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect((await concatFiles()).equals(Buffer.concat(written))).toBe(true);
    expect(s.pendingBytes).toBe(0);
  });

  it('names files <kind>-<UTC open time>-<shard>-<seq>.ndjson', async () => {
    const at = Date.parse('2025-06-09T09:42:40.987Z');
    const s = sink({ now: () => at });
    s.write(Buffer.from('{"a":1}\n'));
    await s.rotate();
    s.write(Buffer.from('{"a":2}\n'));
    await s.close();
    expect(await readdir(dir)).toEqual(['errors-20250609T094240Z-0-000001.ndjson', 'errors-20250609T094240Z-0-000002.ndjson']);
    expect(compactUtc(at)).toBe('20250609T094240Z');
  });

  it('never creates an empty file: rotating with nothing new does nothing', async () => {
    const s = sink();
    await s.rotate();
    expect(await readdir(dir)).toEqual([]);
    s.write(Buffer.from('{"a":1}\n'));
    expect(s.pendingBytes).toBe(8);
    await s.rotate();
    expect(s.pendingBytes).toBe(0);
    await s.rotate();
    await s.rotate();
    s.write(Buffer.alloc(0));
    await s.close();
    expect(await readdir(dir)).toHaveLength(1);
  });

  it('calls onDurable after each rotation that made bytes durable', async () => {
    const onDurable = vi.fn();
    const s = sink({ onDurable });
    s.write(Buffer.from('x\n'));
    await s.rotate();
    await s.rotate();
    expect(onDurable).toHaveBeenCalledTimes(1);
    await s.close();
  });

  it('tells onDurable the bytes of each file it published, and onFsync each fsync (the file, then its directory)', async () => {
    const published: number[] = [];
    const fsyncs: number[] = [];
    const s = sink({ onDurable: (bytes) => published.push(bytes), onFsync: (seconds) => fsyncs.push(seconds) });
    s.write(Buffer.from('{"a":1}\n'));
    s.write(Buffer.from('{"a":22}\n'));
    await s.rotate();
    s.write(Buffer.from('{"a":333}\n'));
    await s.close();
    const sizes = await Promise.all((await finalFiles()).map(async (n) => (await stat(join(dir, n))).size));
    expect(published).toEqual(sizes);
    expect(published).toEqual([17, 10]);
    expect(fsyncs).toHaveLength(4);
    for (const seconds of fsyncs) expect(seconds).toBeGreaterThanOrEqual(0);
  });

  it('continues the sequence after the highest existing file, so a restart never overwrites', async () => {
    // Different open times: only the sequence number can keep the second run's names after the first's.
    const first = sink({ now: () => Date.parse('2025-06-09T09:00:00Z') });
    first.write(Buffer.from('one\n'));
    await first.close();
    // Files of another shard or kind do not count.
    await writeFile(join(dir, 'errors-20250101T000000Z-1-000050.ndjson'), 'other shard\n');
    await writeFile(join(dir, 'metrics-20250101T000000Z-0-000070.ndjson'), 'other kind\n');

    const second = sink({ now: () => Date.parse('2025-06-09T10:00:00Z') });
    second.write(Buffer.from('two\n'));
    await second.close();
    const ours = (await finalFiles()).filter((n) => NAME.test(n));
    expect(ours.map((n) => n.slice(-13, -7))).toEqual(['000001', '000002']);
    expect(await readFile(join(dir, ours[1]!), 'utf8')).toBe('two\n');
  });

  it('a rotation completes what was written before it was asked for, and resolves to that file number', async () => {
    // A durable cut asks for the rotation, lets its source read on, and checkpoints the number this resolves to:
    // lines written meanwhile must be in a later file (a replay after a crash writes them again).
    const s = sink();
    s.write(Buffer.from('before 1\n'));
    s.write(Buffer.from('before 2\n'));
    const rotated = s.rotate();
    s.write(Buffer.from('after\n'));
    expect(await rotated).toBe(1);
    expect(await finalFiles()).toHaveLength(1);
    expect((await concatFiles()).toString()).toBe('before 1\nbefore 2\n');
    expect(await s.rotate()).toBe(2);
    expect(await s.rotate()).toBe(2); // nothing new: no file, the same number
    expect(await readFile(join(dir, (await finalFiles())[1]!), 'utf8')).toBe('after\n');
  });
});

describe('RotatingFileSink: crash leftovers', () => {
  it('publishes the complete lines of a leftover .part, cuts its torn last line, deletes empty ones', async () => {
    await writeFile(join(dir, 'errors-20250101T000000Z-0-000007.ndjson.part'), '{"a":1}\n{"a":2}\n{"a":');
    await writeFile(join(dir, 'errors-20250101T000010Z-0-000008.ndjson.part'), '');
    await writeFile(join(dir, 'errors-20250101T000020Z-0-000009.ndjson.part'), 'no newline at all');
    await writeFile(join(dir, 'errors-20250101T000030Z-0-000010.ndjson.part'), 'complete\n');
    await writeFile(join(dir, 'errors-20250101T000000Z-1-000003.ndjson.part'), 'another shard: not ours\n');

    const s = sink();
    await s.ready();
    expect((await readdir(dir)).sort()).toEqual([
      'errors-20250101T000000Z-0-000007.ndjson',
      'errors-20250101T000000Z-1-000003.ndjson.part',
      'errors-20250101T000030Z-0-000010.ndjson',
    ]);
    expect(await readFile(join(dir, 'errors-20250101T000000Z-0-000007.ndjson'), 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    expect(await readFile(join(dir, 'errors-20250101T000030Z-0-000010.ndjson'), 'utf8')).toBe('complete\n');

    s.write(Buffer.from('new\n'));
    await s.close();
    const fresh = (await finalFiles()).filter((n) => NAME.test(n) && !n.startsWith('errors-20250101'));
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.slice(-13, -7)).toBe('000011'); // after the leftovers, even the deleted ones
  });
});

describe('RotatingFileSink: failing disk', () => {
  it('survives ENOSPC: keeps the bytes, leaves no torn file, reports once per streak, lands everything after recovery', async () => {
    const fs = new FaultFs();
    const onError = vi.fn();
    const s = sink({ fs, onError });
    const a = randomLines(new Rng(1), 50);
    const b = randomLines(new Rng(2), 50);
    const c = randomLines(new Rng(3), 50);

    s.write(a);
    await s.rotate();
    expect(await finalFiles()).toHaveLength(1);

    fs.full = true;
    s.write(b);
    let rotated = false;
    const rotation = s.rotate().then(() => (rotated = true));
    await vi.waitFor(() => expect(fs.failures.write ?? 0).toBeGreaterThanOrEqual(4), WAIT);
    s.write(c);
    await sleep(20);

    expect(rotated).toBe(false);
    expect(s.pendingBytes).toBe(b.length + c.length);
    expect(await finalFiles()).toHaveLength(1);
    // The garbage of each failed write is cut back to the last good offset (0: b is the file's first batch).
    // Polled: a retry in flight holds garbage for the instant between its write and its cut.
    const parts = (await readdir(dir)).filter((n) => n.endsWith('.part'));
    expect(parts).toHaveLength(1);
    await vi.waitFor(async () => expect((await stat(join(dir, parts[0]!))).size).toBe(0), WAIT);
    expect(onError).toHaveBeenCalledTimes(1);
    const err = onError.mock.calls[0]![0] as LogpulseError;
    expect(err).toBeInstanceOf(LogpulseError);
    expect(err.code).toBe('LP_ERR_SINK_IO');
    expect(err.syscallCode).toBe('ENOSPC');

    fs.full = false;
    await rotation;
    expect(await readFile(join(dir, (await finalFiles())[1]!))).toEqual(b);

    // A second streak is a second report.
    fs.full = true;
    s.write(a);
    const again = s.close();
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(2), WAIT);
    fs.full = false;
    await again;
    expect(onError).toHaveBeenCalledTimes(2);
    expect((await readdir(dir)).filter((n) => n.endsWith('.part'))).toEqual([]);
    expect((await concatFiles()).equals(Buffer.concat([a, b, c, a]))).toBe(true);
    expect(s.pendingBytes).toBe(0);
  });

  it('rewrites the file from memory when fsync fails (the kernel may have dropped the pages)', async () => {
    const fs = new FaultFs();
    fs.loseDataOnSyncFailure = true;
    fs.failNext.sync = 2;
    const onError = vi.fn();
    const s = sink({ fs, onError });
    const data = randomLines(new Rng(7), 200);
    const cut = data.indexOf(0x0a, 1000) + 1;
    s.write(data.subarray(0, cut));
    s.write(data.subarray(cut));
    await s.close();
    expect(fs.failures.sync).toBe(2);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(await concatFiles()).toEqual(data);
  });

  it.each<FaultOp>(['open', 'write', 'sync', 'rename', 'syncDir'])('retries a failing %s (EIO) without losing or duplicating bytes', async (op) => {
    const fs = new FaultFs();
    fs.failNext[op] = 3;
    const onError = vi.fn();
    const s = sink({ fs, onError });
    const data = randomLines(new Rng(11), 100);
    s.write(data);
    await s.close();
    expect(fs.failures[op]).toBe(3);
    expect(onError).toHaveBeenCalledTimes(1);
    expect((onError.mock.calls[0]![0] as LogpulseError).syscallCode).toBe('EIO');
    const names = await readdir(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(NAME);
    expect(await concatFiles()).toEqual(data);
  });

  it('destroy() gives up on a disk that stays full; the next start recovers what reached the .part', async () => {
    const fs = new FaultFs();
    const s = sink({ fs, onError: () => {} });
    const y = Buffer.from('{"kept":true}\n');
    const x = Buffer.from('{"lost":true}\n');
    s.write(y);
    await vi.waitFor(async () => {
      const parts = (await readdir(dir)).filter((n) => n.endsWith('.part'));
      expect(parts).toHaveLength(1);
      expect((await stat(join(dir, parts[0]!))).size).toBe(y.length);
    }, WAIT);
    fs.full = true;
    s.write(x);
    const closing = s.close();
    await vi.waitFor(() => expect(fs.failures.write ?? 0).toBeGreaterThanOrEqual(2), WAIT);
    expect(await s.destroy()).toBe(x.length);
    await expect(closing).rejects.toMatchObject({ code: 'LP_ERR_SINK_DESTROYED' });
    expect(() => s.write(x)).toThrow(expect.objectContaining({ code: 'LP_ERR_SINK_CLOSED' }));

    const next = sink();
    await next.ready();
    await next.close();
    const names = await readdir(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(NAME);
    expect(await readFile(join(dir, names[0]!))).toEqual(y);
  });
});

describe('RotatingFileSink: contract checks', () => {
  it('refuses writes after close and incomplete lines, with coded errors', async () => {
    const s = sink();
    expect(() => s.write(Buffer.from('no newline'))).toThrow(expect.objectContaining({ code: 'LP_ERR_SINK_PARTIAL_LINE' }));
    await s.close();
    await s.close(); // idempotent
    await s.rotate(); // a no-op after close
    expect(() => s.write(Buffer.from('late\n'))).toThrow(expect.objectContaining({ code: 'LP_ERR_SINK_CLOSED' }));
    expect(await readdir(dir)).toEqual([]);
  });

  it('checks its options up front, naming the option', () => {
    const base = { dir: '/tmp/x', kind: 'errors' as const, shard: '0', rotateEveryMs: 1000 };
    expect(() => new RotatingFileSink({ ...base, shard: 'a-b' })).toThrow(/LP_ERR_SINK_OPTION: shard/);
    expect(() => new RotatingFileSink({ ...base, rotateEveryMs: 0 })).toThrow(/LP_ERR_SINK_OPTION: rotateEveryMs/);
    expect(() => new RotatingFileSink({ ...base, kind: 'nope' as never })).toThrow(/LP_ERR_SINK_OPTION: kind/);
    expect(() => new RotatingFileSink({ ...base, dir: '' })).toThrow(/LP_ERR_SINK_OPTION: dir/);
  });
});
