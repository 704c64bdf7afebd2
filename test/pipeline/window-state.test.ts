// A day of event time through the coordinator and real worker shards: 2,880 windows of 30 s, streams coming and
// going as connections do, an early alert firing in every window. The per-window and per-stream state (open window
// totals, the merger's held windows, the alert engine's running counts and fired keys, the router's streams, the
// shards' own state as a checkpoint sees it) must follow what is open now, never the number of windows seen; and
// every window's row is as exact at the end of the day as at its start.
import { describe, expect, it } from 'vitest';

import { Outputs } from '../../src/daemon/outputs.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { PipelineStateSizes } from '../../src/pipeline/state-sizes.js';
import type { RecordSink } from '../../src/sinks/sink.js';

const WINDOW_MS = 30_000;
const WINDOWS = 2_880; // 24 h
const T0 = Date.UTC(2026, 0, 1) * 1000;
const NOW = T0 + (WINDOWS + 60) * WINDOW_MS * 1000;
/** Streams open at once; one ends and a new one starts every `TURNOVER` windows. */
const LIVE = 3;
const TURNOVER = 40;
/** Per stream and window: 10 lines, 4 of status 500 and 1 of 404 (errors), 5 of 200. */
const STATUSES = [500, 200, 500, 200, 404, 200, 500, 200, 500, 200];
const SAMPLE_EVERY = 60;

class MemorySink implements RecordSink {
  readonly chunks: Buffer[] = [];
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
  rows(): Record<string, unknown>[] {
    return Buffer.concat(this.chunks).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** Stream `id`'s lines of window `w`, in time order; its IPs are its own (10.id.x.y), one per line. */
function windowLines(id: number, w: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < STATUSES.length; i++) {
    const ms = T0 / 1000 + w * WINDOW_MS + i * 2_000 + id;
    out.push(`{"timestamp":${ms},"ip":"10.${id & 255}.${w & 255}.${i}","method":"GET","url":"/r/${i % 3}","status":${STATUSES[i]}}`);
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

describe('a day of windows through the pipeline', () => {
  it('keeps per-window and per-stream state bounded over 2,880 windows, rows exact to the last', async () => {
    const s = { errors: new MemorySink(), rejected: new MemorySink(), metrics: new MemorySink(), alerts: new MemorySink() };
    const p = new Pipeline({
      shards: 2,
      shardOptions: { format: 'json', windowMs: WINDOW_MS, idleTimeoutMs: 30_000, maxUrlsPerWindow: 100 },
      chunkBytes: 16 << 10,
      maxInFlightChunks: 4,
      lingerMs: 5,
      tickMs: 50,
      rules: [{ type: 'errors_per_status', threshold: 10 }],
      earlyAlerts: true,
      output: new Outputs({ files: s, rotateAtBytes: 1 << 30 }),
      maxPendingOutputBytes: 1 << 30,
      nowUs: () => NOW,
    });
    p.start();

    let live = Array.from({ length: LIVE }, (_, i) => i);
    let next = LIVE;
    for (const id of live) p.declare(`s${id}`);
    const samples: (PipelineStateSizes & { window: number; shardBytes: number })[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      if (w > 0 && w % TURNOVER === 0) {
        // The oldest stream ends (a connection closed) and a new one starts: as many streams open, more seen. Every
        // stream is declared (as a Kafka partition is): its first chunk may wait for more bytes while the others'
        // chunks move the watermark past its first windows, and this test is about state, not about late joiners.
        p.streamEnd(`s${live[0]}`);
        live = [...live.slice(1), next];
        p.declare(`s${next++}`);
      }
      for (const id of live) p.data(`s${id}`, windowLines(id, w));
      if (w % SAMPLE_EVERY === SAMPLE_EVERY - 1) {
        await p.drainInFlight();
        const state = await p.checkpointState();
        const shardBytes = state.shards.reduce((n, b) => n + b.length, 0) + state.merger.length;
        samples.push({ window: w, ...p.stateSizes, shardBytes });
      }
    }
    for (const id of live) p.streamEnd(`s${id}`);
    await p.finish();
    const end = p.stateSizes;
    await p.close();

    // Bounded while running: a few windows open at a time (the last one fed, one a shard has not closed yet).
    for (const x of samples) {
      const at = `after window ${x.window}`;
      expect(x.openWindows, at).toBeLessThanOrEqual(3);
      expect(x.mergerWindows, at).toBeLessThanOrEqual(3);
      expect(x.alertCounts, at).toBeLessThanOrEqual(3 * 2); // (window, status) for 500 and 404
      expect(x.alertsFired, at).toBeLessThanOrEqual(3);
      expect(x.streams, at).toBe(LIVE);
      expect([x.pinnedStreams, x.heldStreams], at).toEqual([0, 0]);
      // A drained result may start ticks of the other shards: a few tasks, never a backlog.
      expect(x.inFlightTasks, at).toBeLessThanOrEqual(2);
      // The shards' own state (streams and open windows, as a checkpoint saves it) does not grow either.
      expect(x.shardBytes, at).toBeLessThanOrEqual(samples[0]!.shardBytes * 1.5 + 4096);
    }
    expect(samples.length).toBe(WINDOWS / SAMPLE_EVERY);
    expect(next).toBeGreaterThan(70); // streams seen, against 3 open
    // Nothing left once every stream ended and every window was written.
    expect(end).toEqual({ openWindows: 0, mergerWindows: 0, alertCounts: 0, alertsFired: 0, streams: 0, pinnedStreams: 0, heldStreams: 0, inFlightTasks: 0 });

    // Every window's rows, first to last: 3 streams × 10 lines, 15 errors (12 × 500, 3 × 404), 30 distinct IPs.
    const t = p.totals;
    expect(t.windows).toBe(WINDOWS);
    expect(t.records).toBe(WINDOWS * LIVE * STATUSES.length);
    expect(t.late).toBe(0);
    const rows = s.metrics.rows();
    const summary = rows.filter((r) => r['kind'] === 'summary');
    expect(summary.length).toBe(WINDOWS);
    summary.forEach((r, w) => {
      expect(r['window_start'], `window ${w}`).toBe(new Date(T0 / 1000 + w * WINDOW_MS).toISOString());
      expect([r['requests'], r['errors'], r['unique_ips']], `window ${w}`).toEqual([30, 15, 30]);
    });
    const statusRows = rows.filter((r) => r['kind'] === 'status').map((r) => `${r['window_start']}|${r['status']}|${r['error_count']}`);
    expect(statusRows.length).toBe(WINDOWS * 2);
    for (let w = 0; w < WINDOWS; w += 719) {
      const start = new Date(T0 / 1000 + w * WINDOW_MS).toISOString();
      expect(statusRows).toContain(`${start}|500|12`);
      expect(statusRows).toContain(`${start}|404|3`);
    }
    // One early alert (12 errors of status 500 > 10) per window, each once.
    const alerts = s.alerts.rows();
    expect(alerts.length).toBe(WINDOWS);
    expect(new Set(alerts.map((a) => a['window_start'])).size).toBe(WINDOWS);
    expect(s.errors.rows().length).toBe(WINDOWS * 15);
  }, 120_000);
});
