// RotatingFileSink when its directory goes away mid-run (`rm -rf output/errors` while a `.part` is open), and the
// end of a failure streak: real files in a temporary directory, plus the injected faults of fault-fs.ts.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, expect, it, vi } from 'vitest';

import { RotatingFileSink, type RotatingFileSinkOptions } from '../../src/sinks/rotating-file.js';
import { FaultFs } from './fault-fs.js';

const WAIT = { timeout: 10_000 };

let root: string;
let dir: string;
const sinks: RotatingFileSink[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'logpulse-sink-rm-'));
  dir = join(root, 'out', 'errors');
});

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.destroy()));
  await rm(root, { recursive: true, force: true });
});

function sink(options: Partial<RotatingFileSinkOptions> = {}): RotatingFileSink {
  const s = new RotatingFileSink({ dir, kind: 'errors', shard: '0', rotateEveryMs: 60_000, retryMinMs: 2, retryMaxMs: 20, ...options });
  sinks.push(s);
  return s;
}

const lines = (from: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `{"n":${from + i}}\n`).join(''));

async function published(): Promise<string> {
  const names = (await readdir(dir)).filter((n) => !n.endsWith('.part')).sort();
  return (await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')))).join('');
}

it('writes an open file again when its directory was removed, and goes on in the recreated directory', async () => {
  const onError = vi.fn();
  const s = sink({ onError });
  s.write(lines(0, 100));
  await vi.waitFor(async () => expect((await readdir(dir)).some((n) => n.endsWith('.part'))).toBe(true), WAIT);
  await rm(join(root, 'out'), { recursive: true, force: true });
  s.write(lines(100, 100));
  await s.rotate();
  expect(await published()).toBe(lines(0, 200).toString());

  // The next file goes to the same (recreated) directory, even if it is removed again between two files.
  await rm(join(root, 'out'), { recursive: true, force: true });
  s.write(lines(200, 50));
  await s.close();
  expect(await published()).toBe(lines(200, 50).toString());
  expect((await readdir(dir)).filter((n) => n.endsWith('.part'))).toEqual([]);
  expect(s.pendingBytes).toBe(0);
  expect(onError).not.toHaveBeenCalled();
});

it('says when a failing file system takes writes again, once per streak', async () => {
  const fs = new FaultFs();
  const onError = vi.fn();
  const onRecovered = vi.fn();
  const s = sink({ fs, onError, onRecovered });
  fs.full = true;
  s.write(lines(0, 10));
  await vi.waitFor(() => expect(fs.failures.write ?? 0).toBeGreaterThanOrEqual(3), WAIT);
  expect(s.failing).toBe(true);
  expect(onError).toHaveBeenCalledTimes(1);
  expect(onRecovered).not.toHaveBeenCalled();
  fs.full = false;
  await s.rotate();
  expect(s.failing).toBe(false);
  expect(onRecovered).toHaveBeenCalledTimes(1);
  s.write(lines(10, 10));
  await s.close();
  expect(onRecovered).toHaveBeenCalledTimes(1);
  expect(await published()).toBe(lines(0, 20).toString());
});
