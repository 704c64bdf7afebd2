// Micro suites (tinybench), single-threaded, in this process:
// - `process`: what the native core costs per line, by format, through N-API (Shard.process + window merge, 1 MiB
//   chunks of seed-shaped lines with 10 % errors; one thread, and JSON also parsed in parts on every core), and
//   how far it is ahead of the pure-TS reference of SPEC §3
//   (test/support/reference-shard.ts, the oracle the differential tests use) on the same JSON lines.
// - `hll`: the unique-IP sketch: adding addresses (a 1 MiB-class buffer per call, so N-API is crossed once per
//   batch as in the pipeline), dense and sparse merges, against the exact JS Set the reference uses.
// It proves speed only; the Rust and differential tests prove the results.
import { availableParallelism } from 'node:os';

import { Bench } from 'tinybench';

import { Hll, Shard, WindowMerger } from '../src/native.js';
import { ReferenceShard } from '../test/support/reference-shard.js';
import { Rng } from '../test/support/rng.js';
import type { MicroRow } from './results.js';
import { type BenchFormat, chunksOf, seedLines } from './seed-lines.js';

const NOW_US = 1_749_462_150_000_000 + 3_600_000_000;
const cpus = availableParallelism();
const MIB = 1 << 20;

interface Dataset {
  format: BenchFormat;
  lines: number;
  bytes: number;
  chunks: Buffer[];
}

function dataset(format: BenchFormat, lines: number): Dataset {
  const data = seedLines({ format, lines });
  return { format, lines, bytes: data.length, chunks: chunksOf(data, MIB) };
}

/** One full pass: a fresh shard (state must not carry over, or the next pass would be all late). */
function runNative(d: Dataset, parseThreads = 1): void {
  const shard = new Shard({ format: d.format, parseThreads });
  const merger = new WindowMerger();
  for (const c of d.chunks) merger.add(shard.process('bench', c, NOW_US).partials);
  merger.add(shard.flush(NOW_US).partials);
  merger.drain(null);
}

function runReference(d: Dataset): void {
  const shard = new ReferenceShard({ format: d.format });
  for (const c of d.chunks) shard.process('bench', c, NOW_US);
  shard.flush(NOW_US);
}

/** `count` IPv4 addresses, newline-separated, drawn from `distinct` different ones (seeded). */
function ipList(count: number, distinct: number, seed: number): { buf: Buffer; strings: string[] } {
  const rng = new Rng(seed);
  const pool = Array.from({ length: distinct }, () => {
    const v = rng.next();
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  });
  const strings = Array.from({ length: count }, (_, i) => pool[distinct === count ? i : rng.below(distinct)]!);
  return { buf: Buffer.from(`${strings.join('\n')}\n`), strings };
}

interface Task {
  suite: MicroRow['suite'];
  name: string;
  unit: string;
  items: number;
  bytes: number | null;
  fn: () => void;
}

export async function microSuites(quick: boolean): Promise<MicroRow[]> {
  const lines = quick ? 100_000 : 400_000;
  const tasks: Task[] = [];
  for (const format of ['json', 'csv', 'clf'] as const) {
    const d = dataset(format, lines);
    tasks.push({ suite: 'process', name: `native process, ${format}`, unit: 'line', items: d.lines, bytes: d.bytes, fn: () => runNative(d) });
    // Issue 15: the same call parsed in parts on every core, folded in order (pipeline.parseThreads' default).
    if (format === 'json') tasks.push({ suite: 'process', name: `native process, json, parsed in ${cpus} parts`, unit: 'line', items: d.lines, bytes: d.bytes, fn: () => runNative(d, cpus) });
  }
  // The reference is ~50× slower: a smaller set keeps the run short; rates are per line either way.
  const ref = dataset('json', quick ? 20_000 : 50_000);
  tasks.push({ suite: 'process', name: 'pure-TS reference, json', unit: 'line', items: ref.lines, bytes: ref.bytes, fn: () => runReference(ref) });

  const distinct = ipList(100_000, 100_000, 7);
  const repeated = ipList(100_000, 1_000, 11);
  tasks.push({ suite: 'hll', name: 'native Hll.addIps, 100k distinct (dense)', unit: 'IP', items: 100_000, bytes: distinct.buf.length, fn: () => new Hll().addIps(distinct.buf) });
  tasks.push({ suite: 'hll', name: 'native Hll.addIps, 100k over 1k distinct (exact phase)', unit: 'IP', items: 100_000, bytes: repeated.buf.length, fn: () => new Hll().addIps(repeated.buf) });
  tasks.push({
    suite: 'hll',
    name: 'pure-TS Set<string>.add, 100k distinct (exact, as the reference)',
    unit: 'IP',
    items: 100_000,
    bytes: null,
    fn: () => {
      const s = new Set<string>();
      for (const ip of distinct.strings) s.add(ip);
    },
  });
  const denseA = new Hll();
  denseA.addIps(distinct.buf);
  const denseB = new Hll();
  denseB.addIps(ipList(100_000, 100_000, 13).buf);
  tasks.push({ suite: 'hll', name: 'native Hll.merge, dense ∪ dense', unit: 'merge', items: 1, bytes: null, fn: () => denseA.merge(denseB) });
  const sparseA = new Hll();
  sparseA.addIps(ipList(1_000, 1_000, 17).buf);
  const sparseB = new Hll();
  sparseB.addIps(ipList(1_000, 1_000, 19).buf);
  // Into a fresh sketch each time, or every merge after the first would find all hashes already present.
  tasks.push({
    suite: 'hll',
    name: 'native Hll.merge, 1k ∪ 1k exact into a new sketch',
    unit: 'merge',
    items: 2,
    bytes: null,
    fn: () => {
      const m = new Hll();
      m.merge(sparseA);
      m.merge(sparseB);
    },
  });

  const bench = new Bench({ time: quick ? 400 : 3000, warmupTime: quick ? 100 : 1000 });
  for (const t of tasks) bench.add(t.name, t.fn);
  await bench.run();

  return tasks.map((t, i) => {
    const r = bench.tasks[i]?.result;
    const lat = r && 'latency' in r ? r.latency : null;
    // Median and extremes of the samples: on a shared machine the mean mostly measures the neighbours and GC.
    const ns = (ms: number | undefined) => ((ms ?? Number.NaN) * 1e6) / t.items;
    const p50Ms = lat?.p50 ?? Number.NaN;
    return {
      suite: t.suite,
      task: t.name,
      unit: t.unit,
      itemsPerSecond: t.items / (p50Ms / 1000),
      mbPerSecond: t.bytes === null ? null : t.bytes / 1e6 / (p50Ms / 1000),
      nsPerItem: { median: ns(lat?.p50), min: ns(lat?.min), max: ns(lat?.max), runs: [] },
      samples: lat?.samplesCount ?? 0,
    };
  });
}
