// Timed ticks let a stream that went idle stop holding the watermark, so windows close without new data. A durable
// cut stops them while it notes the output files and reads the state (`stopTicks`): a window closed in between would
// have its row after the cut's output marks and be gone from its state, lost to a crash. Started again, they close it.
import { afterEach, expect, it } from 'vitest';

import { Outputs } from '../../src/daemon/outputs.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { RecordSink } from '../../src/sinks/sink.js';
import { sleep, until } from '../support/wait.js';

const T0 = 1_749_462_150_000_000;
let now = T0 + 3_600_000_000;
const pipelines: Pipeline[] = [];
afterEach(async () => Promise.all(pipelines.splice(0).map((p) => p.close())));

class MemorySink implements RecordSink {
  text = '';
  readonly pendingBytes = 0;
  write(lines: Buffer): void {
    this.text += lines.toString();
  }
  async rotate(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}

/** A pipeline of `shards` over JSON lines whose timed ticks run every `tickMs`, writing to memory. */
function pipeline(shards: number, tickMs: number): { p: Pipeline; files: Record<'errors' | 'rejected' | 'metrics' | 'alerts', MemorySink> } {
  const files = { errors: new MemorySink(), rejected: new MemorySink(), metrics: new MemorySink(), alerts: new MemorySink() };
  const p = new Pipeline({
    shards,
    shardOptions: { format: 'json', windowMs: 30_000, idleTimeoutMs: 30_000, maxUrlsPerWindow: 100 },
    chunkBytes: 16 << 10,
    maxInFlightChunks: 8,
    lingerMs: 5,
    tickMs,
    rules: [],
    earlyAlerts: false,
    output: new Outputs({ files, rotateAtBytes: 1 << 30 }),
    maxPendingOutputBytes: 1 << 30,
    nowUs: () => now,
  });
  pipelines.push(p);
  return { p, files };
}

/** One line every 10 ms of event time for `seconds`. */
const lines = (stream: number, seconds: number) =>
  Buffer.from(Array.from({ length: seconds * 100 }, (_, i) => `{"timestamp":${Math.floor((T0 + i * 10_000) / 1000)},"ip":"10.0.${stream}.${i & 255}","method":"GET","url":"/r","status":200}\n`).join(''));

it('stopped ticks close nothing; started again, they close what an idle stream held back', async () => {
  const { p, files } = pipeline(1, 20);
  p.start();
  p.data('behind', lines(1, 20));
  p.data('ahead', lines(0, 150));
  await p.drainInFlight();
  const windows = () => files.metrics.text.split('\n').filter((l) => l.includes('"kind":"summary"')).length;
  expect(windows()).toBe(0); // `behind` holds every window back

  p.stopTicks();
  now += 31_000_000; // `behind` is idle from now on
  await sleep(200);
  expect(windows()).toBe(0);

  p.start();
  await until('the windows `ahead` closed', () => windows() === 4);
});

it('one stream on two shards: the shard without streams closes its windows as soon as the other moves on, not at its next timed tick', async () => {
  const { p, files } = pipeline(2, 3_600_000); // no timed tick during the test
  p.start();
  const windows = () => files.metrics.text.split('\n').filter((l) => l.includes('"kind":"summary"')).length;
  // 150 s of event time: with a 10 s watermark, windows up to the one ending at 120 s have closed on the stream's shard.
  p.data('only', lines(0, 150));
  await until('the closed windows written without a tick', () => windows() === 4, { ms: 5000 });
});
