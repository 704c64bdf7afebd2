import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FileSource } from '../../src/sources/file.js';
import { sleep } from '../support/wait.js';
import { RecordingSink } from './recording-sink.js';

let dir: string;
const sources: FileSource[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logpulse-file-source-'));
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

function track(source: FileSource): FileSource {
  sources.push(source);
  return source;
}

describe('file source, read to the end', () => {
  it('delivers a multi-MB file byte-exact in large chunks, then streamEnd and end', async () => {
    const path = join(dir, 'access.log');
    const content = randomBytes(5 * 1024 * 1024 + 12345); // arbitrary bytes: sources never look inside
    await writeFile(path, content);
    const source = track(new FileSource({ path }));
    const sink = new RecordingSink();
    expect(source.finite).toBe(true);
    await source.start(sink);
    await sink.waitFor('end', () => sink.endCount === 1);

    const stream = `file:${path}`;
    expect(sink.streams()).toEqual([stream]);
    expect(sink.bytes(stream).equals(content)).toBe(true);
    expect(Math.max(...sink.chunks().map((c) => c.length))).toBeGreaterThanOrEqual(1024 * 1024);
    expect(sink.chunks().length).toBeLessThanOrEqual(7);
    expect(sink.events.slice(-2).map((e) => e.type)).toEqual(['streamEnd', 'end']);
    expect(sink.streamEnds).toEqual([stream]);
    expect(sink.violations).toEqual([]);
  });

  it('ends an empty file with streamEnd and end and no data', async () => {
    const path = join(dir, 'empty.log');
    await writeFile(path, '');
    const sink = new RecordingSink();
    await track(new FileSource({ path })).start(sink);
    await sink.waitFor('end', () => sink.endCount === 1);
    expect(sink.dataCount).toBe(0);
    expect(sink.streamEnds).toEqual([`file:${path}`]);
  });

  it('rejects start() for a missing file with a coded error naming the path', async () => {
    const path = join(dir, 'missing.log');
    const source = track(new FileSource({ path }));
    await expect(source.start(new RecordingSink())).rejects.toThrow(
      `LP_ERR_SOURCE_FILE: cannot read ${path}: no such file (ENOENT)`,
    );
  });

  it('rejects start() for a directory', async () => {
    const sub = join(dir, 'sub');
    await mkdir(sub);
    await expect(track(new FileSource({ path: sub })).start(new RecordingSink())).rejects.toThrow(
      /LP_ERR_SOURCE_FILE: cannot read .*sub: is a directory \(EISDIR\)/,
    );
  });

  it('pause stops delivery until resume', async () => {
    const path = join(dir, 'big.log');
    const content = randomBytes(4 * 1024 * 1024);
    await writeFile(path, content);
    const source = track(new FileSource({ path }));
    const sink = new RecordingSink();
    // Pause from inside the first data call, as the pipeline does when its queue fills.
    sink.onData = () => {
      source.pause();
      sink.onData = null;
    };
    await source.start(sink);
    await sink.waitFor('first chunk', () => sink.dataCount >= 1);
    const seen = sink.dataCount;
    await sleep(200);
    // "Soon": at most the chunk already being read may still arrive.
    expect(sink.dataCount).toBeLessThanOrEqual(seen + 1);
    expect(sink.endCount).toBe(0);
    source.resume();
    await sink.waitFor('end', () => sink.endCount === 1);
    expect(sink.bytes(`file:${path}`).equals(content)).toBe(true);
  });

  it('stop() mid-file releases the file and calls the sink no more', async () => {
    const path = join(dir, 'big.log');
    await writeFile(path, randomBytes(8 * 1024 * 1024));
    const source = track(new FileSource({ path }));
    const sink = new RecordingSink();
    sink.onData = () => {
      sink.onData = null;
      void source.stop();
    };
    await source.start(sink);
    await sink.waitFor('first chunk', () => sink.dataCount >= 1);
    await source.stop();
    const count = sink.events.length;
    await sleep(100);
    expect(sink.events.length).toBe(count);
    expect(sink.endCount).toBe(0);
  });
});

describe('file source, follow', () => {
  const POLL_MS = 20;

  it('delivers what is there, then appended bytes, and never ends', async () => {
    const path = join(dir, 'tail.log');
    await writeFile(path, 'line 1\nline 2\n');
    const source = track(new FileSource({ path, follow: true, pollIntervalMs: POLL_MS }));
    const sink = new RecordingSink();
    expect(source.finite).toBe(false);
    await source.start(sink);
    const stream = `file:${path}`;
    await sink.waitFor('initial content', () => sink.text(stream) === 'line 1\nline 2\n');
    await appendFile(path, 'line 3 with a tail');
    await appendFile(path, ' that completes later\n');
    await sink.waitFor('appended bytes', () => sink.text(stream).endsWith('that completes later\n'));
    expect(sink.text(stream)).toBe('line 1\nline 2\nline 3 with a tail that completes later\n');
    await sleep(5 * POLL_MS);
    expect(sink.endCount).toBe(0);
    expect(sink.streamEnds).toEqual([]);
    expect(sink.violations).toEqual([]);
  });

  it('a truncated file ends the stream and its new content is a new stream', async () => {
    const path = join(dir, 'tail.log');
    await writeFile(path, 'old content that is long enough\n');
    const source = track(new FileSource({ path, follow: true, pollIntervalMs: POLL_MS }));
    const sink = new RecordingSink();
    await source.start(sink);
    const first = `file:${path}`;
    await sink.waitFor('initial content', () => sink.text(first).length === 32);
    await truncate(path, 0);
    await sink.waitFor('streamEnd of the truncated stream', () => sink.streamEnds.includes(first));
    await appendFile(path, 'new\n');
    await sink.waitFor('new stream', () => sink.text(`${first}#2`) === 'new\n');
    expect(sink.streams()).toEqual([first, `${first}#2`]);
    expect(sink.violations).toEqual([]);
  });

  it('a replaced (rotated) file: the old one is drained and ended, the new one read from its start', async () => {
    const path = join(dir, 'tail.log');
    await writeFile(path, 'a1\n');
    const source = track(new FileSource({ path, follow: true, pollIntervalMs: POLL_MS }));
    const sink = new RecordingSink();
    await source.start(sink);
    const first = `file:${path}`;
    await sink.waitFor('initial content', () => sink.text(first) === 'a1\n');

    // logrotate's create mode: rename away, a last write lands in the old file, a new file appears.
    await rename(path, join(dir, 'tail.log.1'));
    await appendFile(join(dir, 'tail.log.1'), 'a2\n');
    await writeFile(join(dir, 'tail.log.tmp'), 'b1\n');
    await rename(join(dir, 'tail.log.tmp'), path);
    await sink.waitFor('second stream', () => sink.text(`${first}#2`) === 'b1\n');
    expect(sink.text(first)).toBe('a1\na2\n');
    expect(sink.streamEnds).toEqual([first]);

    // An editor that saves by writing a new file and renaming it over the old one.
    await writeFile(join(dir, 'tail.log.tmp'), 'c1\nc2\n');
    await rename(join(dir, 'tail.log.tmp'), path);
    await sink.waitFor('third stream', () => sink.text(`${first}#3`) === 'c1\nc2\n');
    expect(sink.streamEnds).toEqual([first, `${first}#2`]);
    expect(sink.violations).toEqual([]);
  });

  it('a deleted file is waited for (one warning) and its re-creation is a new stream', async () => {
    const path = join(dir, 'tail.log');
    await writeFile(path, 'x\n');
    const source = track(new FileSource({ path, follow: true, pollIntervalMs: POLL_MS }));
    const sink = new RecordingSink();
    await source.start(sink);
    await sink.waitFor('initial content', () => sink.dataCount === 1);
    await unlink(path);
    // Waited for first (a loaded machine may take more than a few polls to notice), then ten more polls: still one.
    await sink.waitFor('the warning', () => sink.warnings.length > 0);
    await sleep(10 * POLL_MS);
    expect(sink.warnings).toHaveLength(1);
    expect(sink.warnings[0]).toMatch(/the file is gone/);
    await writeFile(path, 'y\n');
    await sink.waitFor('new stream', () => sink.text(`file:${path}#2`) === 'y\n');
    expect(sink.streamEnds).toEqual([`file:${path}`]);
  });

  it('stop() ends tailing promptly and for good', async () => {
    const path = join(dir, 'tail.log');
    await writeFile(path, 'x\n');
    const source = track(new FileSource({ path, follow: true, pollIntervalMs: 30_000 }));
    const sink = new RecordingSink();
    await source.start(sink);
    await sink.waitFor('initial content', () => sink.dataCount === 1);
    // stop() wakes the poll sleep: it resolves before the poll it interrupts would have ended (ordering, not speed).
    const first = await Promise.race([source.stop().then(() => 'stopped'), sleep(30_000).then(() => 'next poll')]);
    expect(first).toBe('stopped');
    await appendFile(path, 'more\n');
    await sleep(50);
    expect(sink.dataCount).toBe(1);
    await source.stop(); // idempotent
  });
});
