// A file: source is replayable: what it has handed over is its position (a durable cut checkpoints it), a hold stops
// every call until release, and a new source given those positions goes on at that byte — in the same file only. A
// file replaced or rotated meanwhile is read from its start as a new stream, and the checkpoint's stream ends.
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FileSource } from '../../src/sources/file.js';
import type { StreamPositions } from '../../src/sources/source.js';
import { sleep } from '../support/wait.js';
import { RecordingSink } from './recording-sink.js';

let dir: string;
const sources: FileSource[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpulse-file-replay-'));
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => `line ${from + i}\n`).join('');

/** Follows `path` until `bytes` were delivered, then holds and returns the positions (what a cut would checkpoint). */
async function readThenHold(path: string, bytes: number): Promise<{ source: FileSource; sink: RecordingSink; positions: StreamPositions }> {
  const source = new FileSource({ path, follow: true, pollIntervalMs: 20 });
  sources.push(source);
  const sink = new RecordingSink();
  await source.start(sink);
  await sink.waitFor(`${bytes} bytes`, () => sink.bytes(`file:${path}`).length === bytes);
  source.hold();
  return { source, sink, positions: source.positions() };
}

async function resumed(path: string, positions: StreamPositions): Promise<RecordingSink> {
  const source = new FileSource({ path, follow: true, pollIntervalMs: 20 });
  sources.push(source);
  source.resumeFrom(positions);
  const sink = new RecordingSink();
  await source.start(sink);
  return sink;
}

describe('file source positions', () => {
  it('holds every call until release; the positions are what was handed over', async () => {
    const path = join(dir, 'a.log');
    await writeFile(path, lines(0, 100));
    const size = lines(0, 100).length;
    const { source, sink, positions } = await readThenHold(path, size);
    expect(positions[`file:${path}`]).toBe(size);
    await appendFile(path, lines(100, 10));
    await sleep(150);
    expect(sink.bytes(`file:${path}`).length).toBe(size);
    expect(source.positions()[`file:${path}`]).toBe(size);
    source.release();
    await sink.waitFor('the appended lines', () => sink.text(`file:${path}`) === lines(0, 110));
    expect(source.positions()[`file:${path}`]).toBe(lines(0, 110).length);
  });

  it('a new source goes on at the byte in the same file, mid-line too', async () => {
    const path = join(dir, 'a.log');
    await writeFile(path, `${lines(0, 50)}line 5`);
    const first = await readThenHold(path, `${lines(0, 50)}line 5`.length);
    await first.source.stop();
    await appendFile(path, `0 and more\n${lines(51, 5)}`);
    const sink = await resumed(path, first.positions);
    await sink.waitFor('the rest', () => sink.text(`file:${path}`) === `0 and more\n${lines(51, 5)}`);
    expect(sink.warnings).toEqual([]);
    expect(sink.streamEnds).toEqual([]);
  });

  it('a file replaced meanwhile is read from its start as the next stream; the saved one ends', async () => {
    const path = join(dir, 'a.log');
    await writeFile(path, lines(0, 20));
    const first = await readThenHold(path, lines(0, 20).length);
    await first.source.stop();
    await rename(path, `${path}.1`);
    await writeFile(path, lines(1000, 20));
    const sink = await resumed(path, first.positions);
    await sink.waitFor('the new file', () => sink.text(`file:${path}#2`) === lines(1000, 20));
    expect(sink.streamEnds).toEqual([`file:${path}`]);
    expect(sink.warnings.join('\n')).toMatch(/not the file the checkpoint read \d+ bytes of/);
  });

  it('the same inode rewritten with other first bytes is not taken for the checkpoint\'s file', async () => {
    const path = join(dir, 'a.log');
    await writeFile(path, lines(0, 20));
    const first = await readThenHold(path, lines(0, 20).length);
    await first.source.stop();
    await writeFile(path, lines(500, 40)); // truncated and rewritten in place: same inode, longer, other bytes
    const sink = await resumed(path, first.positions);
    await sink.waitFor('the rewritten file', () => sink.text(`file:${path}#2`) === lines(500, 40));
  });

  it('goes on in a rotated stream (#N) after a restart', async () => {
    const path = join(dir, 'a.log');
    await writeFile(path, lines(0, 5));
    const source = new FileSource({ path, follow: true, pollIntervalMs: 20 });
    sources.push(source);
    const sink = new RecordingSink();
    await source.start(sink);
    await sink.waitFor('the first file', () => sink.text(`file:${path}`) === lines(0, 5));
    await rename(path, `${path}.1`);
    await writeFile(path, lines(100, 5));
    await sink.waitFor('the second file', () => sink.text(`file:${path}#2`) === lines(100, 5));
    source.hold();
    const positions = source.positions();
    expect(positions[`file:${path}#2`]).toBe(lines(100, 5).length);
    await source.stop();
    await appendFile(path, lines(105, 3));
    const next = await resumed(path, positions);
    await next.waitFor('the rest of #2', () => next.text(`file:${path}#2`) === lines(105, 3));
    expect(next.streamEnds).toEqual([]);
  });
});
