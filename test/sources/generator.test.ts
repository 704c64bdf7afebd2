import { afterEach, describe, expect, it } from 'vitest';

import { GeneratorSource, type GeneratorSourceOptions } from '../../src/sources/generator.js';
import { sleep } from '../support/wait.js';
import { RecordingSink } from './recording-sink.js';

const STREAM = 'generator:';
// Python's isoformat(): six fraction digits, none when the microsecond is 0 (the shared `logpulse gen` writer).
const ISO_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/;
const sources: GeneratorSource[] = [];
/**
 * How far a live timestamp may be from Date.now(): the clock maps performance.now() onto Date.now() and re-syncs
 * only beyond 50 ms of drift (RESYNC_US in src/gen/clock.ts), and a sync preempted on a loaded machine lags more.
 */
const CLOCK_SLACK_MS = 250;
/** Lines `rate` allows in `ms` (the first at once), plus a little for timer granularity: an owed burst is far more. */
const allowedLines = (rate: number, ms: number): number => (rate * ms) / 1000 + 1 + 20;

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

function generator(options: GeneratorSourceOptions, sink: RecordingSink): GeneratorSource {
  const source = new GeneratorSource(options);
  sources.push(source);
  void source.start(sink);
  return source;
}

async function generate(options: GeneratorSourceOptions): Promise<string[]> {
  const sink = new RecordingSink();
  generator({ rate: 0, ...options }, sink);
  await sink.waitFor('end', () => sink.endCount === 1);
  expect(sink.violations).toEqual([]);
  return sink.text(STREAM).split('\n').slice(0, -1);
}

describe('generator source', () => {
  it('honours count: exactly that many lines, whole lines per chunk, then streamEnd and end', async () => {
    const sink = new RecordingSink();
    const source = generator({ rate: 0, count: 20_000, seed: 7 }, sink);
    expect(source.finite).toBe(true);
    await sink.waitFor('end', () => sink.endCount === 1);
    const text = sink.text(STREAM);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(20_001);
    for (const chunk of sink.chunks()) expect(chunk[chunk.length - 1]).toBe(0x0a);
    expect(sink.events.slice(-2).map((e) => e.type)).toEqual(['streamEnd', 'end']);
    expect(sink.streams()).toEqual([STREAM]);
  });

  it('count=0 ends at once', async () => {
    expect(await generate({ count: 0 })).toEqual([]);
  });

  it('makes seed-shaped JSON lines with the required fields and current timestamps', async () => {
    const before = Date.now();
    const lines = await generate({ count: 2000, seed: 1 });
    const after = Date.now();
    expect(lines[0]).toMatch(
      /^\{"timestamp": "[^"]+", "ip": "\d+\.\d+\.\d+\.\d+", "method": "[A-Z]+", "url": "\/resource\/\d+", "status": \d{3}\}$/,
    );
    for (const line of lines) {
      const r = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(r)).toEqual(['timestamp', 'ip', 'method', 'url', 'status']);
      expect(r['timestamp']).toMatch(ISO_MICROS);
      // Within the run, give or take CLOCK_SLACK_MS: a wrong epoch, unit or simulated time is far outside.
      const t = Date.parse(r['timestamp'] as string);
      expect(t).toBeGreaterThanOrEqual(before - CLOCK_SLACK_MS);
      expect(t).toBeLessThanOrEqual(after + CLOCK_SLACK_MS);
      const octets = (r['ip'] as string).split('.').map(Number);
      expect(octets.every((o) => o >= 0 && o <= 255)).toBe(true);
      expect(['GET', 'POST', 'PUT', 'DELETE']).toContain(r['method']);
      expect(r['url']).toMatch(/^\/resource\/([1-9]|10)$/);
      expect([200, 404, 500]).toContain(r['status']);
    }
    const urls = new Set(lines.map((l) => (JSON.parse(l) as { url: string }).url));
    expect(urls.size).toBe(10);
  });

  it('weights statuses 90/5/5 by default and follows errorRate when given', async () => {
    const statuses = (lines: string[]): number[] => lines.map((l) => (JSON.parse(l) as { status: number }).status);
    const byDefault = statuses(await generate({ count: 20_000, seed: 3 }));
    const ok = byDefault.filter((s) => s === 200).length / byDefault.length;
    expect(ok).toBeGreaterThan(0.87);
    expect(ok).toBeLessThan(0.93);
    expect(byDefault).toContain(404);
    expect(byDefault).toContain(500);

    const allErrors = statuses(await generate({ count: 2000, seed: 3, errorRate: 1 }));
    expect(allErrors.every((s) => s === 404 || s === 500)).toBe(true);
    expect(new Set(allErrors)).toEqual(new Set([404, 500]));
    expect(statuses(await generate({ count: 2000, seed: 3, errorRate: 0 })).every((s) => s === 200)).toBe(true);
    const quarter = statuses(await generate({ count: 20_000, seed: 3, errorRate: 0.25 }));
    const errors = quarter.filter((s) => s !== 200).length / quarter.length;
    expect(errors).toBeGreaterThan(0.22);
    expect(errors).toBeLessThan(0.28);
  });

  it('makes csv and clf lines', async () => {
    for (const line of await generate({ count: 200, format: 'csv' })) {
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z;\d+\.\d+\.\d+\.\d+;(GET|POST|PUT|DELETE);\/resource\/\d+;(200|404|500)$/,
      );
    }
    for (const line of await generate({ count: 200, format: 'clf' })) {
      expect(line).toMatch(
        /^\d+\.\d+\.\d+\.\d+ - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "(GET|POST|PUT|DELETE) \/resource\/\d+ HTTP\/1\.1" (200 \d+|404 -|500 -)$/, // size "-" for errors, as seed 001's sample
      );
    }
  });

  it('same seed, same lines (timestamps aside); another seed, other lines', async () => {
    const withoutTime = (lines: string[]): string[] => lines.map((l) => l.replace(/"timestamp": "[^"]+"/, ''));
    const a = withoutTime(await generate({ count: 5000, seed: 42 }));
    const b = withoutTime(await generate({ count: 5000, seed: 42, rate: 20_000 })); // batching must not matter
    const c = withoutTime(await generate({ count: 5000, seed: 43 }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('roughly honours rate (generous bounds)', async () => {
    const sink = new RecordingSink();
    const started = performance.now(); // before the source's clock starts: the bound below is on its side
    generator({ rate: 500, seed: 1 }, sink);
    await sleep(1000);
    const lines = sink.text(STREAM).split('\n').length - 1;
    const elapsed = performance.now() - started;
    expect(lines).toBeGreaterThan(250);
    expect(lines).toBeLessThanOrEqual(allowedLines(500, elapsed)); // measured, not the 1000 ms asked for: a late timer is no burst
    expect(sink.dataCount).toBeGreaterThan(5); // batches over time, not one burst
  });

  it('pause stops emission and resume continues without a burst of owed lines', async () => {
    const sink = new RecordingSink();
    const source = generator({ rate: 1000, seed: 1 }, sink);
    await sink.waitFor('some data', () => sink.dataCount >= 2);
    source.pause();
    source.pause();
    const seen = sink.dataCount;
    await sleep(200);
    expect(sink.dataCount).toBe(seen);
    const linesBefore = sink.text(STREAM).split('\n').length - 1;
    const resumedAt = performance.now();
    source.resume();
    source.resume();
    await sleep(100);
    const resumed = sink.text(STREAM).split('\n').length - 1 - linesBefore;
    const elapsed = performance.now() - resumedAt;
    expect(resumed).toBeGreaterThan(0);
    // Only what the rate allows since the resume, however late the sleep ends: not the >= 200 lines "owed" for
    // the paused time on top.
    expect(resumed).toBeLessThanOrEqual(allowedLines(1000, elapsed));
  });

  it('pause from inside data() takes effect before the next chunk, even mid-batch', async () => {
    const sink = new RecordingSink();
    // 2M lines/s: each 20 ms tick owes ~40,000 lines, i.e. several ~1 MiB chunks in one go.
    const source = generator({ rate: 2_000_000, seed: 1 }, sink);
    sink.onData = (_stream, chunk) => {
      if (chunk.length > 500_000) source.pause();
    };
    await sink.waitFor('a big chunk', () => sink.chunks().some((c) => c.length > 500_000));
    const pausedAt = sink.events.findIndex((e) => e.type === 'data' && e.chunk.length > 500_000);
    await sleep(100);
    expect(sink.events.length).toBe(pausedAt + 1);
  });

  it('rate 0 runs as fast as possible but still lets timers fire', async () => {
    const sink = new RecordingSink();
    generator({ rate: 0, seed: 1 }, sink);
    // Each timer would never fire if the generator hogged the event loop; between two of them it keeps producing.
    await sleep(30);
    const atFirst = sink.dataCount;
    await sleep(30);
    expect(atFirst).toBeGreaterThan(0);
    expect(sink.dataCount).toBeGreaterThan(atFirst);
  });

  it('rejects bad options with a coded error', () => {
    expect(() => new GeneratorSource({ rate: -1 })).toThrow(/LP_ERR_SOURCE_OPTION: generator: rate must be/);
    expect(() => new GeneratorSource({ count: 1.5 })).toThrow(/LP_ERR_SOURCE_OPTION: generator: count must be/);
  });
});
