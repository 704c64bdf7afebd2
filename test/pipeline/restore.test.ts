// A pipeline's state handed to the next one (a reload's rebuild, a restart from the checkpoint): streams cut
// mid-line and spread over the shards, a checkpoint taken mid-stream, a new pipeline restoring it and the sources
// going on with the rest — the streams arriving in another order, so each must be pinned to the shard holding its
// partial line. The windows, error records and alerts equal one pipeline's that never stopped.
import { describe, expect, it } from 'vitest';

import { pack, unpack } from 'msgpackr';

import { Outputs } from '../../src/daemon/outputs.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { RecordSink } from '../../src/sinks/sink.js';

const T0 = 1_749_462_150_000_000;
const NOW = T0 + 3_600_000_000;
const STREAMS = 5;

class MemorySink implements RecordSink {
  chunks: Buffer[] = [];
  readonly pendingBytes = 0;
  write(lines: Buffer): void {
    this.chunks.push(Buffer.from(lines));
  }
  async rotate(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}

type Sinks = Record<'errors' | 'rejected' | 'metrics' | 'alerts', MemorySink>;
const sinks = (): Sinks => ({ errors: new MemorySink(), rejected: new MemorySink(), metrics: new MemorySink(), alerts: new MemorySink() });

function pipeline(shards: number, s: Sinks, windowMs = 30_000): Pipeline {
  return new Pipeline({
    shards,
    shardOptions: { format: 'json', windowMs, idleTimeoutMs: 30_000, maxUrlsPerWindow: 100, trackUrlCounts: true },
    chunkBytes: 16 << 10,
    maxInFlightChunks: 64,
    lingerMs: 5,
    tickMs: 50,
    rules: [
      { type: 'errors_per_status', threshold: 40 },
      { type: 'url_error_rate', threshold: 0.12, minRequests: 5 },
    ],
    earlyAlerts: true,
    output: new Outputs({ files: s, rotateAtBytes: 1 << 30 }),
    maxPendingOutputBytes: 1 << 30,
    nowUs: () => NOW,
  });
}

/** In-order lines of one stream, 50 ms of event time apart (never late, never future). */
function streamLines(stream: number, n: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const us = T0 + i * 50_000 + stream * 1_000;
    const status = (i * 7 + stream) % 9 === 0 ? 500 : (i + stream) % 13 === 0 ? 404 : 200;
    out.push(`{"timestamp":${Math.floor(us / 1000)},"ip":"10.${stream}.${(i >> 8) & 255}.${i & 255}","method":"GET","url":"/r/${i % 7}","status":${status}}`);
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

/** Chunks of `bytes` cut at odd offsets (mid-line, mid-number). */
function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(Buffer.from(bytes.subarray(at, at + size)));
  return out;
}

const data = Array.from({ length: STREAMS }, (_, i) => chunks(streamLines(i, 12_000), 9_973 + i * 101));
const CHUNKS = Math.max(...data.map((d) => d.length));

/** Feeds chunks [from, to) of every stream, round-robin, streams in `order` (copies: a pipeline moves what it is given to its workers). */
function feed(p: Pipeline, from: number, to: number, order: number[]): void {
  for (let c = from; c < to; c++) for (const s of order) if (data[s]![c]) p.data(`s${s}`, Buffer.from(data[s]![c]!));
}

const text = (s: Sinks, kind: keyof Sinks) => Buffer.concat(s[kind].chunks).toString().split('\n').filter(Boolean);
const alertKeys = (s: Sinks) => text(s, 'alerts').map((l) => { const a = JSON.parse(l); return `${a.rule}|${a.window_start}|${a.group}`; }).sort();

async function finish(p: Pipeline): Promise<void> {
  for (let s = 0; s < STREAMS; s++) p.streamEnd(`s${s}`);
  await p.finish();
  await p.close();
}

/** One pipeline that never stops. */
async function uninterrupted(): Promise<Sinks> {
  const s = sinks();
  const p = pipeline(2, s);
  p.start();
  feed(p, 0, CHUNKS, [0, 1, 2, 3, 4]);
  await finish(p);
  return s;
}

/**
 * `before` shards until chunk `cut`, a checkpoint, then `after` shards from it with the streams in reverse order;
 * `windowMs` for the second. Returns the sinks both wrote to, and the second's totals.
 */
async function restored(before: number, after: number, cut: number, windowMs = 30_000) {
  const s = sinks();
  const a = pipeline(before, s);
  a.start();
  feed(a, 0, cut, [0, 1, 2, 3, 4]);
  await a.drainInFlight();
  const state = await a.checkpointState();
  const alerts = a.alertState();
  await a.close();
  const b = pipeline(after, s, windowMs);
  // Through the checkpoint's own encoding, as a restart reads it.
  await b.restoreState(unpack(pack({ ...state })) as typeof state, alerts);
  b.start();
  feed(b, cut, CHUNKS, [4, 3, 2, 1, 0]);
  await finish(b);
  return { sinks: s, totals: b.totals };
}

describe('a pipeline restored from another one\'s state', () => {
  it.each([
    [2, 2],
    [3, 3],
    [2, 1],
    [2, 3],
    [3, 2],
    [1, 4],
  ])('%i shards → %i: the same windows, errors and alerts as one pipeline that never stopped', async (before, after) => {
    const ref = await uninterrupted();
    expect(text(ref, 'metrics').length).toBeGreaterThan(20);
    expect(alertKeys(ref).length).toBeGreaterThan(5);
    const got = (await restored(before, after, 41)).sinks;
    expect(text(got, 'rejected')).toEqual([]);
    expect(text(got, 'errors').sort()).toEqual(text(ref, 'errors').sort());
    expect(text(got, 'metrics').sort()).toEqual(text(ref, 'metrics').sort());
    expect(alertKeys(got)).toEqual(alertKeys(ref));
  });

  it('under another window length: the windows open at the switch are written then, every line counted once', async () => {
    const { sinks: got, totals } = await restored(2, 3, 41, 60_000);
    const rows = text(got, 'metrics').map((l) => JSON.parse(l) as { kind: string; window_start: string; window_end: string; status?: number; requests?: number });
    const summaries = rows.filter((r) => r.kind === 'summary');
    const keys = rows.map((r) => `${r.window_start}|${r.window_end}|${r.kind}|${r.status ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Both lengths were written, and the windows of each length do not overlap.
    const spans = summaries.map((r) => [Date.parse(r.window_start), Date.parse(r.window_end)] as const).sort((a, b) => a[0] - b[0]);
    expect(new Set(spans.map(([a, b]) => b - a))).toEqual(new Set([30_000, 60_000]));
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    const records = summaries.reduce((n, r) => n + r.requests!, 0);
    expect(records + totals.late).toBe(STREAMS * 12_000);
    expect(text(got, 'rejected').filter((l) => !l.includes('"reason":"late"'))).toEqual([]);
  });

  it.each([2, 3])('a restored stream that ends before new data ends on the shard holding it (2 → %i shards): its last line counts', async (after) => {
    const s = sinks();
    const a = pipeline(2, s);
    for (let k = 0; k < STREAMS; k++) a.data(`s${k}`, Buffer.from(streamLines(k, 3).toString().trimEnd()));
    await a.drainInFlight();
    expect(a.totals.lines).toBe(STREAMS * 2);
    const state = await a.checkpointState();
    await a.close();
    const b = pipeline(after, s);
    await b.restoreState(state);
    for (let k = 0; k < STREAMS; k++) b.streamEnd(`s${k}`);
    await b.drainInFlight();
    expect(b.totals.lines).toBe(STREAMS);
    expect(b.totals.records).toBe(STREAMS);
    await b.close();
  });
});
