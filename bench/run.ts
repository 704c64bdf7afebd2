// `npm run bench`: (1) what the native core costs per line, by format, and how far it is ahead of the pure-TS
// reference of SPEC §3 (the oracle the tests use) — single-threaded, one shard, 1 MiB chunks of seed-shaped
// lines with 10 % errors; (2) the whole daemon on a file, end to end. It proves throughput only; correctness is
// the tests' job; (3) `logpulse gen --rate 0` into a pipe (SPEC §6: >= 1 M lines/s on one core). `-- --quick`
// for a smoke run.
import { Bench } from 'tinybench';

import { Shard, WindowMerger } from '../src/native.js';
import { ReferenceShard } from '../test/reference/reference-shard.js';
import { fileThroughput } from './e2e-file.js';
import { reportGenThroughput } from './gen-throughput.js';
import { type BenchFormat, chunksOf, seedLines } from './seed-lines.js';

const quick = process.argv.includes('--quick');
const LINES = quick ? 100_000 : 400_000;
const NOW_US = 1_749_462_150_000_000 + 3_600_000_000;
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
function runNative(d: Dataset): void {
  const shard = new Shard({ format: d.format });
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

async function main(): Promise<void> {
  const bench = new Bench({ time: quick ? 500 : 3000, warmupTime: quick ? 200 : 1000 });
  const sets = (['json', 'csv', 'clf'] as const).map((f) => dataset(f, LINES));
  for (const d of sets) bench.add(`native ${d.format}`, () => runNative(d));
  // The reference is ~100× slower: a smaller set keeps the run short; rates are per line either way.
  const refSet = dataset('json', quick ? 20_000 : 50_000);
  bench.add('reference json (pure TS)', () => runReference(refSet));
  await bench.run();

  const lineCount = (name: string) => (name.startsWith('reference') ? refSet : sets.find((s) => name.endsWith(s.format))!);
  // Median and best of the samples: on a shared 2-core machine the mean mostly measures the neighbours and GC.
  const rows = bench.tasks.map((t) => {
    const d = lineCount(t.name);
    const r = t.result;
    const p50Ms = r && 'latency' in r ? (r.latency.p50 ?? NaN) : NaN;
    const minMs = r && 'latency' in r ? r.latency.min : NaN;
    return {
      task: t.name,
      'lines/s': Math.round(d.lines / (p50Ms / 1000)),
      'MB/s': +(d.bytes / 1e6 / (p50Ms / 1000)).toFixed(1),
      'ns/line': +((p50Ms * 1e6) / d.lines).toFixed(1),
      'best ns/line': +((minMs * 1e6) / d.lines).toFixed(1),
      samples: r && 'latency' in r ? r.latency.samplesCount : 0,
    };
  });
  console.table(rows);
  const nativeJson = rows.find((r) => r.task === 'native json')!['lines/s'];
  const refJson = rows.find((r) => r.task.startsWith('reference'))!['lines/s'];
  console.log(`native json / reference json: ${(nativeJson / refJson).toFixed(1)}x`);

  // End to end: the median of several runs (the machine is shared and noisy).
  const e2eLines = quick ? 1_000_000 : 4_000_000;
  const runs = quick ? 1 : 3;
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await fileThroughput(e2eLines, 2));
  results.sort((a, b) => a.linesPerSecond - b.linesPerSecond);
  const med = results[Math.floor(results.length / 2)]!;
  console.table(
    results.map((r) => ({
      'file → daemon': `${(r.lines / 1e6).toFixed(1)} M lines, ${(r.bytes / 1e6).toFixed(0)} MB, ${r.workers} workers`,
      seconds: +r.seconds.toFixed(2),
      'lines/s': Math.round(r.linesPerSecond),
      'MB/s': +r.mbPerSecond.toFixed(1),
      'CPU %': r.cpuPercent,
      'peak RSS MB': +r.peakRssMb.toFixed(0),
    })),
  );
  console.log(`file → daemon, median of ${runs}: ${(med.linesPerSecond / 1e6).toFixed(2)} M lines/s, ${med.mbPerSecond.toFixed(0)} MB/s, CPU ${med.cpuPercent} %, peak RSS ${med.peakRssMb.toFixed(0)} MB`);

  // The generator: median of 3 runs per format (1 with --quick).
  await reportGenThroughput(quick ? 1_000_000 : 5_000_000, quick ? 1 : 3);
}

await main();
