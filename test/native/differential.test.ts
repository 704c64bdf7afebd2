// The native core against the TypeScript oracle (test/reference/), on hundreds of seeded random datasets fed
// through the same call sequence. Everything must match exactly except unique-IP counts, where the native
// side's HyperLogLog may deviate from the oracle's exact sets by max(1, 2 %).
// A failure names the seed and the first call that differs; `buildScenario(seed)` rebuilds the exact input.
import { describe, expect, it } from 'vitest';

import { type ProcessResult, Shard, WindowMerger } from '../../src/native.js';
import { BASE_US, type Op, type Scenario, buildScenario, cutRandomly } from '../reference/datasets.js';
import {
  type Counters,
  type ReferenceResult,
  type ReferenceWindow,
  type WindowOutput as RefWindowOutput,
  ReferenceMerger,
  ReferenceShard,
} from '../support/reference-shard.js';
import { Rng } from '../support/rng.js';

const RANDOM_DATASETS = 240;

type NativeOutput = ReturnType<WindowMerger['drain']>;

/** The comparable part of one call's result (partials are opaque: they are compared through the merger). */
interface Outcome {
  errors: Buffer;
  rejected: Buffer;
  closedWindows: number;
  statusCounts: unknown;
  watermarkUs: number | null;
  closedThroughUs: number | null;
  counters: unknown;
}

function nativeOutcome(r: ProcessResult): Outcome {
  return {
    errors: Buffer.from(r.errors),
    rejected: Buffer.from(r.rejected),
    closedWindows: r.closedWindows,
    statusCounts: r.statusCounts,
    watermarkUs: r.watermarkUs,
    closedThroughUs: r.closedThroughUs,
    counters: r.counters,
  };
}

function refOutcome(r: ReferenceResult): Outcome {
  return {
    errors: r.errors,
    rejected: r.rejected,
    closedWindows: r.closedWindows,
    statusCounts: r.statusCounts,
    watermarkUs: r.watermarkUs,
    closedThroughUs: r.closedThroughUs,
    counters: r.counters,
  };
}

function addCounters(a: Counters, b: Counters): Counters {
  const rejected = { ...a.rejected };
  for (const k of Object.keys(rejected) as (keyof Counters['rejected'])[]) rejected[k] += b.rejected[k];
  return {
    lines: a.lines + b.lines,
    bytes: a.bytes + b.bytes,
    records: a.records + b.records,
    errors: a.errors + b.errors,
    late: a.late + b.late,
    archived: a.archived + b.archived,
    rejected,
  };
}

/** Two reference results as one call: the native setPeerWatermark returns nothing, its effect shows on the next call. */
function concatRef(a: ReferenceResult, b: ReferenceResult): ReferenceResult {
  const counts = new Map<string, ReferenceResult['statusCounts'][number]>();
  for (const s of [...a.statusCounts, ...b.statusCounts]) counts.set(`${s.windowStartUs}/${s.status}`, s);
  return {
    errors: Buffer.concat([a.errors, b.errors]),
    rejected: Buffer.concat([a.rejected, b.rejected]),
    closed: [...a.closed, ...b.closed],
    closedWindows: a.closedWindows + b.closedWindows,
    statusCounts: [...counts.values()],
    watermarkUs: b.watermarkUs,
    closedThroughUs: b.closedThroughUs,
    counters: addCounters(a.counters, b.counters),
  };
}

const parseLines = (b: Buffer): unknown[] =>
  b.toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);

const show = (v: unknown): string => JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

/** Differences of one call, as readable lines (empty = equal). */
function diffOutcome(native: Outcome, ref: Outcome): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown): boolean => show(a) === show(b);
  if (!same(native.counters, ref.counters)) out.push(`counters: native ${show(native.counters)} ref ${show(ref.counters)}`);
  if (!native.errors.equals(ref.errors)) {
    const n = native.errors.toString('utf8').split('\n');
    const r = ref.errors.toString('utf8').split('\n');
    const i = n.findIndex((l, k) => l !== r[k]);
    out.push(`errors differ at line ${i}: native ${show(n[i])} ref ${show(r[i])}`);
  }
  const nr = parseLines(native.rejected);
  const rr = parseLines(ref.rejected);
  if (!same(nr, rr)) {
    const first = nr.findIndex((l, k) => !same(l, rr[k]));
    const i = first >= 0 ? first : nr.length;
    out.push(`rejected differ at record ${i} (${nr.length} vs ${rr.length}): native ${show(nr[i])} ref ${show(rr[i])}`);
  }
  for (const k of ['closedWindows', 'statusCounts', 'watermarkUs', 'closedThroughUs'] as const) {
    if (!same(native[k], ref[k])) out.push(`${k}: native ${show(native[k])} ref ${show(ref[k])}`);
  }
  return out;
}

const withinHll = (estimate: unknown, exact: unknown): boolean =>
  typeof estimate === 'number' && typeof exact === 'number' && Math.abs(estimate - exact) <= Math.max(1, 0.02 * exact);

const UNIQUE_KEYS = new Set(['unique_ips', 'error_unique_ips', 'uniqueIps', 'errorUniqueIps']);

/** Field-by-field equality where unique-IP counts only have to be within the HyperLogLog tolerance. */
function diffValue(path: string, native: unknown, ref: unknown, out: string[]): void {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (UNIQUE_KEYS.has(key)) {
    if (!withinHll(native, ref)) out.push(`${path}: native ${show(native)} exact ${show(ref)}`);
    return;
  }
  if (Array.isArray(native) && Array.isArray(ref)) {
    if (native.length !== ref.length) out.push(`${path}: length native ${native.length} ref ${ref.length}: native ${show(native)} ref ${show(ref)}`);
    else native.forEach((v: unknown, i) => diffValue(`${path}[${i}]`, v, ref[i], out));
    return;
  }
  if (native !== null && ref !== null && typeof native === 'object' && typeof ref === 'object') {
    const nk = Object.keys(native);
    const rk = Object.keys(ref);
    if (nk.join() !== rk.join()) out.push(`${path}: keys native ${nk.join()} ref ${rk.join()}`);
    for (const k of rk) diffValue(`${path}.${k}`, (native as Record<string, unknown>)[k], (ref as Record<string, unknown>)[k], out);
    return;
  }
  if (native !== ref) out.push(`${path}: native ${show(native)} ref ${show(ref)}`);
}

/**
 * Summary fields beyond API.md's WindowSummary that the native merger may carry: they belong to merger options
 * (urlErrorRate / ipErrorRate) these scenarios never set, so they must be present only as empty lists.
 */
const OPTIONAL_EMPTY_SUMMARY_KEYS = ['urlRates', 'ipRates'];

function apiSummaries(windows: NativeOutput['windows'], out: string[]): unknown[] {
  return windows.map((w, i) => {
    const rest: Record<string, unknown> = { ...w };
    for (const k of OPTIONAL_EMPTY_SUMMARY_KEYS) {
      const v = rest[k];
      if (v === undefined) continue;
      if (!Array.isArray(v) || v.length > 0) out.push(`windows[${i}].${k}: expected empty without a rule, got ${show(v)}`);
      delete rest[k];
    }
    return rest;
  });
}

function diffWindows(native: NativeOutput, ref: RefWindowOutput): string[] {
  const out: string[] = [];
  diffValue('rows', parseLines(Buffer.from(native.rows)), parseLines(ref.rows), out);
  diffValue('windows', apiSummaries(native.windows, out), ref.windows, out);
  return out.slice(0, 5);
}

/** Feeds ops to the native shard + merger; a mid-run drain stops at the last call's closedThroughUs. */
class NativeSide {
  readonly shard: Shard;
  readonly merger: WindowMerger;
  lastClosedThrough: number | null = null;

  constructor(readonly sc: Scenario, shard?: Shard, merger?: WindowMerger) {
    this.shard = shard ?? new Shard(sc.options);
    this.merger = merger ?? new WindowMerger({ maxUrlsPerWindow: sc.options.maxUrlsPerWindow });
  }

  /** Returns the call results of the op (the peer op yields the result of the tick that makes it visible). */
  apply(op: Op): ProcessResult | NativeOutput {
    let r: ProcessResult;
    switch (op.kind) {
      case 'process':
        r = this.shard.process(op.stream, op.chunk, op.nowUs);
        break;
      case 'tick':
        r = this.shard.tick(op.nowUs);
        break;
      case 'end':
        r = this.shard.endStream(op.stream, op.nowUs);
        break;
      case 'flush':
        r = this.shard.flush(op.nowUs);
        break;
      case 'peer':
        this.shard.setPeerWatermark(op.us);
        r = this.shard.tick(op.nowUs);
        break;
      case 'drain':
        return this.merger.drain(this.lastClosedThrough);
    }
    if (r.partials.length > 0) this.merger.add(r.partials);
    this.lastClosedThrough = op.kind === 'flush' ? null : r.closedThroughUs;
    return r;
  }
}

class RefSide {
  readonly shard: ReferenceShard;
  readonly merger: ReferenceMerger;
  lastClosedThrough: number | null = null;

  constructor(sc: Scenario) {
    this.shard = new ReferenceShard(sc.options);
    this.merger = new ReferenceMerger({ maxUrlsPerWindow: sc.options.maxUrlsPerWindow });
  }

  apply(op: Op): ReferenceResult | RefWindowOutput {
    let r: ReferenceResult;
    switch (op.kind) {
      case 'process':
        r = this.shard.process(op.stream, op.chunk, op.nowUs);
        break;
      case 'tick':
        r = this.shard.tick(op.nowUs);
        break;
      case 'end':
        r = this.shard.endStream(op.stream, op.nowUs);
        break;
      case 'flush':
        r = this.shard.flush(op.nowUs);
        break;
      case 'peer':
        r = concatRef(this.shard.setPeerWatermark(op.us), this.shard.tick(op.nowUs));
        break;
      case 'drain':
        return this.merger.drain(this.lastClosedThrough);
    }
    this.merger.add(r.closed);
    this.lastClosedThrough = op.kind === 'flush' ? null : r.closedThroughUs;
    return r;
  }
}

const isProcessResult = (x: ProcessResult | NativeOutput): x is ProcessResult => 'partials' in x;
const isRefResult = (x: ReferenceResult | RefWindowOutput): x is ReferenceResult => 'closed' in x;

function describeOp(op: Op): string {
  if (op.kind === 'process') return `process(${show(op.stream)}, ${op.chunk.length} bytes ${show(op.chunk.toString('latin1').slice(0, 80))}…, ${op.nowUs})`;
  if (op.kind === 'drain') return 'drain';
  if (op.kind === 'peer') return `setPeerWatermark(${op.us}) + tick(${op.nowUs})`;
  if (op.kind === 'end') return `endStream(${show(op.stream)}, ${op.nowUs})`;
  return `${op.kind}(${op.nowUs})`;
}

/** Runs a scenario on both sides; the first op whose results differ, described, or [] when all agree.
 *  `parseThreads`: the native shard parses each call's lines in that many parts at once (`parallelMinBytes` 0, so
 *  every call with a whole line is split), then folds them in order. */
function runDifferential(sc: Scenario, parseThreads = 1): string[] {
  const native = new NativeSide(sc, parseThreads > 1 ? new Shard({ ...sc.options, parseThreads, parallelMinBytes: 0 }) : undefined);
  const ref = new RefSide(sc);
  for (const [i, op] of sc.ops.entries()) {
    const n = native.apply(op);
    const r = ref.apply(op);
    let diffs: string[];
    if (isProcessResult(n) && isRefResult(r)) diffs = diffOutcome(nativeOutcome(n), refOutcome(r));
    else if (!isProcessResult(n) && !isRefResult(r)) diffs = diffWindows(n, r);
    else throw new Error('sides out of step');
    if (diffs.length > 0) {
      return [`seed ${sc.seed} op ${i}/${sc.ops.length} ${describeOp(op)} options ${show(sc.options)}`, ...diffs];
    }
  }
  return [];
}

describe('native Shard vs ReferenceShard on random datasets', () => {
  const seeds = Array.from({ length: RANDOM_DATASETS }, (_, i) => i + 1);
  it.each(seeds)('seed %i', (seed) => {
    const sc = buildScenario(seed);
    expect(runDifferential(sc)).toEqual([]);
  });
});

describe('native Shard parsing each call in parts vs ReferenceShard (one stream on every core)', () => {
  const seeds = Array.from({ length: RANDOM_DATASETS / 2 }, (_, i) => 2 * i + 1);
  it.each(seeds)('seed %i', (seed) => {
    expect(runDifferential(buildScenario(seed), 2 + (seed % 3))).toEqual([]);
  });
});

/** Process every chunk of one stream at one fixed wall clock, then flush: results must not depend on the cut. */
function runCut(sc: Scenario, chunks: Buffer[], nowUs: number): { outcomes: Outcome; rows: Buffer } {
  const side = new NativeSide(sc);
  const name = sc.streams[0]?.name ?? 's0';
  const results: ProcessResult[] = [];
  for (const chunk of chunks) results.push(side.shard.process(name, chunk, nowUs));
  results.push(side.shard.flush(nowUs));
  for (const r of results) if (r.partials.length > 0) side.merger.add(r.partials);
  const summed = results.map((r): Counters => r.counters).reduce(addCounters);
  const last = results[results.length - 1];
  return {
    outcomes: {
      errors: Buffer.concat(results.map((r) => Buffer.from(r.errors))),
      rejected: Buffer.concat(results.map((r) => Buffer.from(r.rejected))),
      closedWindows: results.reduce((n, r) => n + r.closedWindows, 0),
      statusCounts: null,
      watermarkUs: last?.watermarkUs ?? null,
      closedThroughUs: last?.closedThroughUs ?? null,
      counters: summed,
    },
    rows: Buffer.from(side.merger.drain(null).rows),
  };
}

describe('native results do not depend on where the input is cut', () => {
  it.each(Array.from({ length: 40 }, (_, i) => 1000 + i))('seed %i', (seed) => {
    const sc = buildScenario(seed, { streams: 1, jumps: false, peers: false });
    const data = sc.streams[0]?.data ?? Buffer.alloc(0);
    const now = sc.ops[0]?.kind === 'process' ? sc.ops[0].nowUs : BASE_US;
    const a = runCut(sc, cutRandomly(new Rng(seed * 7919), data), now);
    const b = runCut(sc, cutRandomly(new Rng(seed * 104729 + 1), data), now);
    const whole = runCut(sc, [data], now);
    expect(b.outcomes).toEqual(a.outcomes);
    expect(whole.outcomes).toEqual(a.outcomes);
    expect(b.rows.equals(a.rows)).toBe(true);
    expect(whole.rows.equals(a.rows)).toBe(true);
  });
});

describe('snapshot/restore continues exactly like the uninterrupted shard', () => {
  it.each(Array.from({ length: 40 }, (_, i) => 2000 + i))('seed %i', (seed) => {
    const sc = buildScenario(seed);
    const rng = new Rng(seed);
    const cutAt = rng.int(0, sc.ops.length - 1);
    const straight = new NativeSide(sc);
    const before = new NativeSide(sc);
    const straightResults: unknown[] = [];
    const resumedResults: unknown[] = [];
    for (const [i, op] of sc.ops.entries()) {
      const r = straight.apply(op);
      if (i >= cutAt) straightResults.push(isProcessResult(r) ? nativeOutcome(r) : r);
    }
    for (const op of sc.ops.slice(0, cutAt)) before.apply(op);
    const snapshot = before.shard.snapshot();
    const restored = new Shard(sc.options);
    restored.restore(snapshot);
    // The merger lives on the JS side and is not part of the shard snapshot: hand it over as is.
    const after = new NativeSide(sc, restored, before.merger);
    after.lastClosedThrough = before.lastClosedThrough;
    for (const op of sc.ops.slice(cutAt)) {
      const r = after.apply(op);
      resumedResults.push(isProcessResult(r) ? nativeOutcome(r) : r);
    }
    expect(resumedResults).toEqual(straightResults);
    // A snapshot of the restored shard is a snapshot of the same state.
    const again = new Shard(sc.options);
    again.restore(snapshot);
    expect(again.snapshot().equals(snapshot)).toBe(true);
  });

  it('rejects a corrupt snapshot with LP_ERR_NATIVE_SNAPSHOT and keeps working', () => {
    const sc = buildScenario(3);
    const side = new NativeSide(sc);
    for (const op of sc.ops.slice(0, 10)) side.apply(op);
    const good = side.shard.snapshot();
    const fresh = new Shard(sc.options);
    for (const bad of [Buffer.from('garbage'), good.subarray(0, good.length >> 1), Buffer.alloc(0)]) {
      expect(() => fresh.restore(bad)).toThrow(/LP_ERR_NATIVE_SNAPSHOT/);
    }
    fresh.restore(good);
    expect(fresh.snapshot().equals(good)).toBe(true);
  });
});

describe('HyperLogLog in its dense phase', () => {
  it('stays within 2 % of the exact count for thousands of distinct IPs per window', () => {
    const rng = new Rng(424242);
    const windowMs = 60000;
    const start = BASE_US;
    const lines: string[] = [];
    // Three windows with 3 000, 8 000 and 20 000 distinct addresses, every address seen twice, ~30 % errors.
    [3000, 8000, 20000].forEach((distinct, w) => {
      const addresses = new Set<string>();
      while (addresses.size < distinct) {
        addresses.add(rng.chance(0.9)
          ? `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}`
          : `2001:db8::${rng.int(0, 0xffff).toString(16)}:${rng.int(0, 0xffff).toString(16)}`);
      }
      const list = [...addresses, ...addresses];
      list.forEach((ip, i) => {
        const ts = start + w * windowMs * 1000 + Math.floor((i * windowMs * 1000) / list.length);
        const status = rng.chance(0.3) ? rng.pick([404, 500]) : 200;
        lines.push(`${new Date(Math.floor(ts / 1000)).toISOString()};${ip};GET;/r/${i % 50};${status}`);
      });
    });
    const data = Buffer.from(`${lines.join('\n')}\n`);
    const options = { windowMs, watermarkMs: 0, format: 'csv' as const, maxUrlsPerWindow: 100 };
    const now = start + 3600 * 1_000_000;
    const shard = new Shard(options);
    const merger = new WindowMerger({ maxUrlsPerWindow: 100 });
    const ref = new ReferenceShard(options);
    const closed: ReferenceWindow[] = [];
    for (const chunk of cutRandomly(rng, data)) {
      const r = shard.process('s', chunk, now);
      if (r.partials.length > 0) merger.add(r.partials);
      closed.push(...ref.process('s', chunk, now).closed);
    }
    const r = shard.flush(now);
    if (r.partials.length > 0) merger.add(r.partials);
    closed.push(...ref.flush(now).closed);
    const native = merger.drain(null);
    const exact = new ReferenceMerger({ maxUrlsPerWindow: 100 });
    exact.add(closed);
    const expected = exact.drain(null);
    expect(expected.windows.map((w) => w.uniqueIps)).toEqual([3000, 8000, 20000]);
    expect(diffWindows(native, expected)).toEqual([]);
  });
});
