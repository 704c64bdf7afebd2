// Lent chunks (a file source's read buffers, read-buffers.ts) through the pipeline and its worker shards (from dist/):
// a chunk parsed as it is comes back from the worker with its bytes, once; parts joined into one chunk go back at
// once; and a file read through a pool of one buffer, of eight or of none gives the same outputs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Outputs } from '../../src/daemon/outputs.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { RecordSink } from '../../src/sinks/sink.js';
import { FileSource, READ_BYTES } from '../../src/sources/file.js';
import type { ChunkOwner } from '../../src/sources/read-buffers.js';

const T0 = 1_749_462_150_000_000;
const NOW = T0 + 3_600_000_000;

class MemorySink implements RecordSink {
  chunks: Buffer[] = [];
  write(lines: Buffer): void {
    this.chunks.push(Buffer.from(lines));
  }
  get pendingBytes(): number {
    return 0;
  }
  async rotate(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

function sinks() {
  return { errors: new MemorySink(), rejected: new MemorySink(), metrics: new MemorySink(), alerts: new MemorySink() };
}

function pipeline(s: ReturnType<typeof sinks>, shards = 1): Pipeline {
  return new Pipeline({
    shards,
    shardOptions: { format: 'json', windowMs: 30_000, idleTimeoutMs: 30_000, maxUrlsPerWindow: 100 },
    chunkBytes: 16 << 10,
    maxInFlightChunks: 2,
    lingerMs: 5,
    tickMs: 50,
    rules: [{ type: 'errors_per_status', threshold: 50 }],
    earlyAlerts: true,
    output: new Outputs({ files: s, rotateAtBytes: 1 << 30 }),
    maxPendingOutputBytes: 1 << 30,
    nowUs: () => NOW,
  });
}

/** In-order lines, errors among them, and one bad line every 997 (rejected): every output has bytes. */
function lines(n: number, from = 0): Buffer {
  const out: string[] = [];
  for (let i = from; i < from + n; i++) {
    if (i % 997 === 0) out.push(`not json ${i}`);
    else out.push(`{"timestamp":${Math.floor((T0 + i * 5_000) / 1000)},"ip":"10.0.${(i >> 8) & 255}.${i & 255}","method":"GET","url":"/r/${i % 11}","status":${i % 9 === 0 ? 503 : i % 13 === 0 ? 404 : 200}}`);
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

/** Records what it is given back. */
class Owner implements ChunkOwner {
  readonly given: ArrayBuffer[] = [];
  give(buffer: ArrayBuffer): void {
    this.given.push(buffer);
  }
}

/** `bytes` in a buffer of its own `size` bytes long, as a read into a read buffer leaves them. */
function lent(bytes: Buffer, size: number): Buffer {
  const buf = Buffer.allocUnsafeSlow(size);
  bytes.copy(buf);
  return buf.subarray(0, bytes.length);
}

/** What was written; an alert's `emitted_at` is the wall clock, so it is left out. */
const outputs = (s: ReturnType<typeof sinks>) => ({
  errors: s.errors.text(),
  rejected: s.rejected.text(),
  metrics: s.metrics.text(),
  alerts: s.alerts.text().replace(/"emitted_at":"[^"]*"/g, ''),
});

describe('lent chunks', () => {
  it('come back from the worker with their bytes, once each, and parse as chunks of their own would', async () => {
    const parts = [lines(400, 0), lines(400, 400), lines(400, 800)];
    const owner = new Owner();
    const [s, plain] = [sinks(), sinks()];
    const [p, q] = [pipeline(s), pipeline(plain)];
    for (const part of parts) {
      expect(part.length).toBeGreaterThan(16 << 10); // a chunk on its own: not joined
      p.data('a', lent(part, 256 << 10), undefined, owner);
      q.data('a', Buffer.from(part));
    }
    p.streamEnd('a');
    q.streamEnd('a');
    await Promise.all([p.finish(), q.finish()]);
    await Promise.all([p.close(), q.close()]);

    expect(owner.given.length).toBe(3);
    owner.given.forEach((buffer, i) => {
      expect(buffer.byteLength).toBe(256 << 10);
      expect(Buffer.from(buffer, 0, parts[i]!.length).equals(parts[i]!)).toBe(true);
    });
    expect(outputs(s)).toEqual(outputs(plain));
    expect(s.errors.text()).not.toBe('');
    expect(s.rejected.text()).not.toBe('');
  });

  it('joined into one chunk with others go back at once, as they were (nothing moved)', async () => {
    const owner = new Owner();
    const [s, plain] = [sinks(), sinks()];
    const [p, q] = [pipeline(s), pipeline(plain)];
    const a = lent(lines(40, 0), 64 << 10);
    const b = lent(lines(40, 80), 64 << 10);
    p.data('a', a, undefined, owner);
    p.data('a', lines(40, 40));
    p.data('a', b, undefined, owner);
    q.data('a', lines(120));
    expect(owner.given).toEqual([]);
    p.streamEnd('a'); // sends the stream's buffered parts as one chunk
    q.streamEnd('a');
    expect(owner.given.length).toBe(2);
    expect(owner.given[0]).toBe(a.buffer);
    expect(owner.given[1]).toBe(b.buffer);
    expect(a.buffer.byteLength).toBe(64 << 10);
    await Promise.all([p.finish(), q.finish()]);
    await Promise.all([p.close(), q.close()]);
    expect(s.errors.text()).not.toBe('');
    expect(outputs(s)).toEqual(outputs(plain));
  });
});

describe('a file read through its read buffers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logpulse-recycle-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The file through a FileSource keeping `keep` buffers into a 2-shard pipeline; counts what the pipeline gave back. */
  async function run(path: string, keep: number): Promise<{ out: ReturnType<typeof outputs>; given: number }> {
    const s = sinks();
    const p = pipeline(s, 2);
    const source = new FileSource({ path, readBuffers: keep });
    let given = 0;
    const sink = {
      data: (stream: string, chunk: Buffer, route?: number, owner?: ChunkOwner) =>
        p.data(stream, chunk, route, owner && { give: (b: ArrayBuffer) => (given++, owner.give(b)) }),
      streamEnd: (stream: string, cut?: boolean) => p.streamEnd(stream, cut),
      end: () => p.end(),
      warn: (message: string) => {
        throw new Error(message);
      },
    };
    p.onPause = () => source.pause();
    p.onResume = () => source.resume();
    await source.start(sink);
    await p.ended;
    await p.finish();
    await p.close();
    await source.stop();
    return { out: outputs(s), given };
  }

  it('gives the same outputs with a pool of one buffer, of eight and of none, the buffers coming back', async () => {
    const path = join(dir, 'access.log');
    const bytes = lines(30_000);
    await writeFile(path, bytes); // a few MB: 1 MiB reads and a short last one
    const reads = Math.ceil(bytes.length / READ_BYTES);
    expect(reads).toBeGreaterThan(2);
    const [one, eight, none] = [await run(path, 1), await run(path, 8), await run(path, 0)];
    expect(one.out.errors).not.toBe('');
    expect(one.out.metrics).not.toBe('');
    expect(one.out).toEqual(none.out);
    expect(eight.out).toEqual(none.out);
    // Every read was lent and came back (the pool keeps what it may of them).
    for (const r of [one, eight, none]) expect(r.given).toBe(reads);
  });
});
