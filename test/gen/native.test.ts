// Every generated line parses back through the native core (native/API.md) exactly as the generator says:
// records are records, late lines are `late` (SPEC §3, default 30 s window / 10 s watermark), and each bad
// line is rejected for the reason of its kind — in the named format and in `auto`.
import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { BAD_LINE_KINDS, type BadLineKind } from '../../src/gen/bad-lines.js';
import { eventClock } from '../../src/gen/generate.js';
import { type GenStats, LINE_HEADROOM, LineWriter } from '../../src/gen/line-writer.js';
import type { LineOptions } from '../../src/gen/options.js';
import { type Counters, Shard } from '../../src/native.js';
import { CLI } from '../support/paths.js';
import { lineOptions, makeLines, START_US } from './helpers.js';

/** An hour after the data: nothing is `future` except the injected future lines. */
const NOW_US = START_US + 3_600_000_000;
const CHUNK = 1 << 20;

const REASON_COUNTER: Record<BadLineKind, keyof Counters['rejected']> = {
  malformed: 'malformed',
  missing_field: 'missingField',
  invalid_field: 'invalidField',
  invalid_timestamp: 'invalidTimestamp',
  invalid_utf8: 'invalidUtf8',
  too_long: 'tooLong',
  future: 'future',
};

interface Parsed {
  counters: Counters;
  /** Rejected lines per reason, from the `rejected` output itself. */
  reasons: Map<string, number>;
}

function parse(data: Buffer, format: 'json' | 'csv' | 'clf' | 'auto', nowUs = NOW_US): Parsed {
  const shard = new Shard({ format });
  const results = [];
  for (let at = 0; at < data.length; at += CHUNK) results.push(shard.process('gen', data.subarray(at, at + CHUNK), nowUs));
  results.push(shard.flush(nowUs));
  const reasons = new Map<string, number>();
  const counters = results[0]!.counters;
  const sum = (a: Counters, b: Counters): Counters => ({
    ...a,
    lines: a.lines + b.lines,
    records: a.records + b.records,
    late: a.late + b.late,
    errors: a.errors + b.errors,
    rejected: Object.fromEntries(Object.entries(a.rejected).map(([k, v]) => [k, v + b.rejected[k as keyof Counters['rejected']]])) as Counters['rejected'],
  });
  let total = counters;
  for (const r of results.slice(1)) total = sum(total, r.counters);
  for (const r of results) {
    for (const line of r.rejected.toString('utf8').split('\n')) {
      if (line === '') continue;
      const reason = (JSON.parse(line) as { reason: string }).reason;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  return { counters: total, reasons };
}

function expectAsInjected(p: Parsed, stats: GenStats): void {
  expect(p.counters.lines).toBe(stats.lines);
  expect(p.counters.records).toBe(stats.records);
  expect(p.counters.late).toBe(stats.late);
  expect(p.reasons.get('late') ?? 0).toBe(stats.late);
  for (const kind of BAD_LINE_KINDS) {
    expect({ kind, n: p.counters.rejected[REASON_COUNTER[kind]] }).toEqual({ kind, n: stats.bad[kind] });
    expect({ kind, n: p.reasons.get(kind) ?? 0 }).toEqual({ kind, n: stats.bad[kind] });
  }
}

const STYLES: { name: string; o: Partial<LineOptions> }[] = [
  { name: 'json', o: { format: 'json' } },
  { name: 'json --compact', o: { format: 'json', compact: true } },
  { name: 'csv', o: { format: 'csv' } },
  { name: 'clf common', o: { format: 'clf' } },
  { name: 'clf single', o: { format: 'clf', clfVariant: 'single' } },
  { name: 'clf mixed', o: { format: 'clf', clfVariant: 'mixed' } },
];

describe('generated lines through the native parser', () => {
  for (const { name, o } of STYLES) {
    it(`${name}: 50k clean lines, zero rejections, named format and auto`, () => {
      // 1,001 µs apart: fractions of every shape, whole seconds included (no fraction at µs 0).
      const { data, stats } = makeLines({ ...o, seed: 21 }, 50_000, { stepUs: 1001 });
      for (const format of [o.format!, 'auto'] as const) {
        const p = parse(data, format);
        expect(p.counters.records).toBe(50_000);
        expect(p.reasons.size).toBe(0);
        expectAsInjected(p, stats);
      }
    });

    it(`${name}: bad lines rejected each for its reason, late lines late, counts as the generator reports`, () => {
      const { data, stats } = makeLines({ ...o, seed: 22, malformedFraction: 0.05, lateFraction: 0.03 }, 60_000);
      expect(stats.late).toBeGreaterThan(60_000 * 0.03 * 0.8);
      const kinds = BAD_LINE_KINDS.filter((k) => stats.bad[k] > 0);
      expect(kinds).toEqual(o.format === 'clf' ? BAD_LINE_KINDS.filter((k) => k !== 'missing_field') : BAD_LINE_KINDS);
      for (const format of [o.format!, 'auto'] as const) expectAsInjected(parse(data, format), stats);
    });
  }

  it('live wall-clock stamps (no --start) and simulated --speed stamps parse clean against the real clock', () => {
    const run = (o: { startUs: number | null; rate: number; speed: number; stepMs: number }): GenStats & { data: Buffer } => {
      const writer = new LineWriter(lineOptions({ seed: 4, lateFraction: 0.01 }));
      const buf = Buffer.alloc(8 * CHUNK + LINE_HEADROOM);
      const n = writer.fill(buf, 20_000, eventClock(o, null), 8 * CHUNK);
      expect(writer.lastLines).toBe(20_000);
      return { ...writer.stats, data: Buffer.from(buf.subarray(0, n)) };
    };
    const live = run({ startUs: null, rate: 0, speed: 1, stepMs: 1 });
    const fast = run({ startUs: START_US, rate: 1000, speed: 60, stepMs: 1 }); // a minute of event time per second
    expectAsInjected(parse(live.data, 'json', Date.now() * 1000), live);
    expectAsInjected(parse(fast.data, 'json'), fast);
    expect(fast.late).toBeGreaterThan(100);
  });

  it('`logpulse gen --stats` reports exactly what the daemon then rejects, per reason', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'gen', '--rate', '0', '--count', '40000', '--seed', '8', '--start', '2025-06-09T09:42:40Z', '--format', 'csv',
        '--malformed-fraction', '0.04', '--late-fraction', '0.02', '--stats'],
      { maxBuffer: 1 << 28 },
    );
    expect(r.status).toBe(0);
    const stats = JSON.parse(r.stderr.toString()) as GenStats & { seed: number };
    expect(stats.seed).toBe(8);
    expect(stats.lines).toBe(40_000);
    expect(stats.bytes).toBe(r.stdout.length);
    expectAsInjected(parse(r.stdout, 'auto'), stats);
  });
});
