// The coordinator with real worker shards (from dist/): several streams spread over shards give the rows one
// shard holding every stream gives, each window written once; backpressure pauses the source (a shard queue full,
// or the outputs' backlog past maxPendingOutputBytes); a file of the daemon's outputs that grows past rotateAtBytes
// is rotated early.
import { describe, expect, it } from 'vitest';

import { Outputs } from '../../src/daemon/outputs.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { RecordSink } from '../../src/sinks/sink.js';
import { ReferenceShard, type ReferenceWindow, windowsToOutput } from '../support/reference-shard.js';

const T0 = 1_749_462_150_000_000;
const NOW = T0 + 3_600_000_000;

/** An in-memory sink: what was written, and each file it was asked to complete (its bytes, its last write's). */
class MemorySink implements RecordSink {
  chunks: Buffer[] = [];
  rotations = 0;
  completed: { bytes: number; lastWrite: number }[] = [];
  #pending = 0;
  #lastWrite = 0;
  write(lines: Buffer): void {
    this.chunks.push(Buffer.from(lines));
    this.#pending += lines.length;
    this.#lastWrite = lines.length;
  }
  get pendingBytes(): number {
    return this.#pending;
  }
  async rotate(): Promise<number> {
    this.rotations++;
    this.completed.push({ bytes: this.#pending, lastWrite: this.#lastWrite });
    this.#pending = 0;
    return this.rotations;
  }
  async close(): Promise<void> {}
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

function sinks() {
  return { errors: new MemorySink(), rejected: new MemorySink(), metrics: new MemorySink(), alerts: new MemorySink() };
}

function pipeline(shards: number, s: ReturnType<typeof sinks>, extra: { rotateAtBytes?: number; maxPendingOutputBytes?: number; output?: Outputs; earlyAlerts?: boolean } = {}) {
  return new Pipeline({
    shards,
    shardOptions: { format: 'json', windowMs: 30_000, idleTimeoutMs: 30_000, maxUrlsPerWindow: 100 },
    chunkBytes: 16 << 10,
    maxInFlightChunks: 2,
    lingerMs: 5,
    tickMs: 50,
    rules: [{ type: 'errors_per_status', threshold: 50 }],
    earlyAlerts: extra.earlyAlerts ?? true,
    // The daemon's own outputs over in-memory files: rotation at size is theirs.
    output: extra.output ?? new Outputs({ files: s, rotateAtBytes: extra.rotateAtBytes ?? 1 << 30 }),
    maxPendingOutputBytes: extra.maxPendingOutputBytes ?? 1 << 30,
    nowUs: () => NOW,
  });
}

/** In-order lines of one stream (never late, never future): results cannot depend on cross-shard timing. */
function streamLines(stream: number, n: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const us = T0 + i * 10_000 + stream * 1_000;
    const status = (i + stream) % 9 === 0 ? 500 : (i + stream) % 13 === 0 ? 404 : 200;
    out.push(`{"timestamp":${Math.floor(us / 1000)},"ip":"10.${stream}.${(i >> 8) & 255}.${i & 255}","method":"GET","url":"/r/${i % 7}","status":${status}}`);
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

const sortLines = (t: string) => t.split('\n').filter(Boolean).sort();

describe('Pipeline over worker shards', () => {
  it('three streams over 1, 2 and 3 shards give the single-shard rows, each window once', async () => {
    const streams = [0, 1, 2].map((i) => ({ name: `s${i}`, data: streamLines(i, 12_000) }));

    // The oracle gets the streams interleaved as the pipeline does: in-order streams advancing together have no
    // late records, so the answer does not depend on how the shards' work interleaves.
    const ref = new ReferenceShard({ format: 'json' });
    const closed: ReferenceWindow[] = [];
    for (let at = 0; at < streams[0]!.data.length; at += 7_000) {
      for (const st of streams) if (at < st.data.length) closed.push(...ref.process(st.name, st.data.subarray(at, at + 7_000), NOW).closed);
    }
    for (const st of streams) closed.push(...ref.endStream(st.name, NOW).closed);
    closed.push(...ref.flush(NOW).closed);
    expect(closed.reduce((n, w) => n + w.requests, 0)).toBe(36_000);
    const expected = windowsToOutput(closed, 100).rows.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(expected.length).toBeGreaterThan(6);

    for (const shards of [1, 2, 3]) {
      const s = sinks();
      const p = pipeline(shards, s);
      p.start();
      // Interleave the streams in small pieces, as concurrent connections would arrive.
      for (let at = 0; at < streams[0]!.data.length; at += 7_000) {
        for (const st of streams) if (at < st.data.length) p.data(st.name, st.data.subarray(at, at + 7_000));
        await new Promise((r) => setImmediate(r));
      }
      for (const st of streams) p.streamEnd(st.name);
      await p.finish();
      await p.close();

      const rows = s.metrics.text().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const key = (r: Record<string, unknown>) => `${r.window_start}|${r.kind}|${r.status ?? ''}`;
      expect(new Set(rows.map(key)).size, `${shards} shards: a window row written twice`).toBe(rows.length);
      const byKey = new Map(rows.map((r) => [key(r), r]));
      for (const want of expected) {
        const got = byKey.get(key(want));
        expect(got, `${shards} shards: missing ${key(want)}`).toBeDefined();
        for (const [k, v] of Object.entries(want)) {
          if (k.includes('unique_ips')) expect(Math.abs((got![k] as number) - (v as number))).toBeLessThanOrEqual(Math.max(1, (v as number) * 0.02));
          else expect(got![k], `${shards} shards: ${key(want)}.${k}`).toEqual(v);
        }
      }
      expect(rows.length).toBe(expected.length);
      const allErrors = streams.flatMap((st) => sortLines(st.data.toString()).filter((l) => /"status":(500|404)/.test(l)));
      expect(sortLines(s.errors.text())).toEqual(allErrors.sort());
      // One errors_per_status alert per (window, status) over 50, however many shards counted it.
      const alerts = s.alerts.text().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const alertKeys = alerts.map((a) => `${a.window_start}|${a.group}`);
      expect(new Set(alertKeys).size).toBe(alertKeys.length);
      const over = expected.filter((r) => r.kind === 'status' && r.error_count > 50).map((r) => `${r.window_start}|${r.status}`);
      expect(alertKeys.sort()).toEqual(over.sort());
    }
  });

  it('pauses the source while a shard has maxInFlightChunks queued, and resumes', async () => {
    const s = sinks();
    const p = pipeline(1, s);
    const events: string[] = [];
    p.onPause = () => events.push('pause');
    p.onResume = () => events.push('resume');
    p.start();
    const data = streamLines(0, 20_000);
    for (let at = 0; at < data.length; at += 16 << 10) p.data('s', data.subarray(at, at + (16 << 10)));
    expect(events[0]).toBe('pause');
    p.streamEnd('s');
    await p.finish();
    await p.close();
    // Every pause is followed by its resume, none twice in a row, each one counted as a shard pause.
    expect(events.length % 2).toBe(0);
    events.forEach((e, i) => expect(e, `event ${i} of ${events.join(',')}`).toBe(i % 2 === 0 ? 'pause' : 'resume'));
    expect(p.backpressure.pausesForShards).toBe(events.length / 2);
    expect(p.backpressure.pausesForOutput).toBe(0);
  });

  it('fires an errors_per_status alert early, while its window is still open, and not again when it closes', async () => {
    const s = sinks();
    const p = pipeline(2, s);
    // 600 lines, 6 s of event time: all in the first window, which nothing closes until the stream ends.
    const data = streamLines(0, 600);
    const fives = sortLines(data.toString()).filter((l) => l.includes('"status":500')).length;
    expect(fives).toBeGreaterThan(50);
    p.data('s', data);
    await p.drainInFlight();
    expect(s.metrics.text(), 'the window is still open').toBe('');
    const early = s.alerts.text().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(early.map((a) => [a.rule, a.window_start, a.group])).toEqual([['errors_per_status', new Date(T0 / 1000).toISOString(), '500']]);
    const ws = new Date(T0 / 1000).toISOString();
    expect(early[0]).toMatchObject({ type: 'ERRORS_PER_STATUS', window_end: new Date(T0 / 1000 + 30_000).toISOString(), threshold: 50 });
    expect(early[0].message).toBe(`status 500: ${early[0].value} errors > 50 in window ${ws} (early)`);
    // Counted as the lines came: over the threshold, at most the window's final count.
    expect(early[0].value).toBeGreaterThan(50);
    expect(early[0].value).toBeLessThanOrEqual(fives);
    p.streamEnd('s');
    await p.finish();
    await p.close();
    const rows = s.metrics.text().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(rows.find((r) => r.kind === 'status' && r.status === 500)?.error_count).toBe(fives);
    expect(s.alerts.text().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('pauses the source once the outputs hold more than maxPendingOutputBytes not yet durable, resumes when durable', async () => {
    const s = sinks();
    const output = new Outputs({ files: s, rotateAtBytes: 1 << 30 });
    const p = pipeline(1, s, { maxPendingOutputBytes: 20_000, output });
    const events: string[] = [];
    p.onPause = () => events.push('pause');
    p.onResume = () => events.push('resume');
    output.onDrained = () => p.recheckBackpressure();
    // No tick timer, one chunk at a time, each settled before the next: only the outputs' backlog can pause.
    const data = streamLines(0, 5_000);
    for (let at = 0; at < data.length; at += 8 << 10) {
      p.data('s', data.subarray(at, at + (8 << 10)));
      await p.drainInFlight();
    }
    expect(output.pendingBytes).toBeGreaterThan(20_000);
    expect(events).toEqual(['pause']);
    expect(p.backpressure.pausesForOutput).toBe(1);
    expect(p.backpressure.pausesForShards).toBe(0);
    await output.makeDurable();
    output.onDrained();
    expect(events).toEqual(['pause', 'resume']);
    p.streamEnd('s');
    await p.finish();
    await p.close();
  });

  it('with alerts.early off, fires errors_per_status when the window closes, once, not marked early', async () => {
    const s = sinks();
    const p = pipeline(2, s, { earlyAlerts: false });
    const data = streamLines(0, 600);
    const fives = sortLines(data.toString()).filter((l) => l.includes('"status":500')).length;
    p.data('s', data);
    await p.drainInFlight();
    expect(s.alerts.text(), 'nothing before the window closes').toBe('');
    p.streamEnd('s');
    await p.finish();
    await p.close();
    const alerts = s.alerts.text().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const ws = new Date(T0 / 1000).toISOString();
    expect(alerts.map((a) => [a.rule, a.window_start, a.group, a.value])).toEqual([['errors_per_status', ws, '500', fives]]);
    expect(alerts[0].message).toBe(`status 500: ${fives} errors > 50 in window ${ws}`);
  });

  it('rotates a sink early once it holds rotateAtBytes', async () => {
    const s = sinks();
    const p = pipeline(1, s, { rotateAtBytes: 4096 });
    p.start();
    const data = streamLines(0, 5_000);
    for (let at = 0; at < data.length; at += 16 << 10) p.data('s', data.subarray(at, at + (16 << 10)));
    p.streamEnd('s');
    await p.finish();
    await p.close();
    // Each completed file reached rotateAtBytes with its last write and not before; what is left is under it.
    expect(s.errors.rotations).toBe(s.errors.completed.length);
    expect(s.errors.rotations).toBeGreaterThan(3);
    for (const f of s.errors.completed) {
      expect(f.bytes).toBeGreaterThanOrEqual(4096);
      expect(f.bytes - f.lastWrite).toBeLessThan(4096);
    }
    const total = s.errors.text().length;
    expect(total - s.errors.completed.reduce((n, f) => n + f.bytes, 0)).toBeLessThan(4096);
    expect(s.metrics.rotations).toBe(0);
  });
});
