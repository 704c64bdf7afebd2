// `node --import tsx bench/archive.ts [LINES] [RUNS]` — what the Parquet archive costs (issue 10's goal: at most
// 25 % of file → daemon throughput): the main dataset (bench/dataset.ts, default 4 M seed-shaped lines) read
// through `--source file:` with 2 workers, alternately with `archive.enabled` off and on, RUNS times each (default
// 3), in one process so both see the same machine. Wall time from spawn to exit, final compaction included.
// Also: the archive's size per million records against the raw NDJSON, and the daemon's peak RSS (VmHWM, read from
// /proc while it runs: the archive keeps every row since the last cut in memory, to write it again if a cut fails).
// It proves cost only; the tests prove the archive holds every record.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { Daemon, scratchDir } from './daemon.js';
import { writeDataset } from './dataset.js';

const lines = Number(process.argv[2] ?? 4_000_000);
const runs = Number(process.argv[3] ?? 3);
const log = (m: string) => process.stderr.write(`${m}\n`);

function bytesUnder(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const s = statSync(join(dir, name));
    if (s.isFile() && name.endsWith('.parquet')) total += s.size;
  }
  return total;
}

/** The peak resident set of process `pid` so far, in MiB (0 once it is gone, or without /proc). */
function peakRssMiB(pid: number | undefined): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function once(source: string, archive: boolean): Promise<{ seconds: number; archiveBytes: number; peakRssMiB: number }> {
  const scratch = scratchDir(archive ? 'archive-on' : 'archive-off');
  try {
    const archiveDir = join(scratch.path, 'logs');
    const started = performance.now();
    const d = new Daemon({
      source,
      dir: scratch.path,
      workers: 2,
      configYaml: `console:\n  enabled: false\narchive:\n  enabled: ${archive}\n  dir: ${archiveDir}\n`,
    });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRssMiB(d.child.pid))), 100);
    const code = await d.exited.finally(() => clearInterval(sampler));
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0 || d.totals?.lines !== lines) throw new Error(`daemon exited ${code} after ${d.totals?.lines} lines:\n${d.stderrTail}`);
    return { seconds, archiveBytes: archive ? bytesUnder(archiveDir) : 0, peakRssMiB: Math.round(peak) };
  } finally {
    scratch.dispose();
  }
}

const data = scratchDir('archive-data');
try {
  const ds = await writeDataset(data.path, lines);
  log(`dataset: ${lines.toLocaleString('en')} lines, ${(ds.bytes / 1e6).toFixed(0)} MB`);
  const off: number[] = [];
  const on: number[] = [];
  const offRss: number[] = [];
  const onRss: number[] = [];
  let archiveBytes = 0;
  for (let i = 0; i < runs; i++) {
    const o = await once(`file:${ds.path}`, false);
    off.push(o.seconds);
    offRss.push(o.peakRssMiB);
    const r = await once(`file:${ds.path}`, true);
    on.push(r.seconds);
    onRss.push(r.peakRssMiB);
    archiveBytes = r.archiveBytes;
    log(`run ${i + 1}: off ${off.at(-1)!.toFixed(2)} s ${o.peakRssMiB} MiB, on ${on.at(-1)!.toFixed(2)} s ${r.peakRssMiB} MiB`);
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const result = {
    lines,
    runs,
    offSeconds: off,
    onSeconds: on,
    offLinesPerSecond: Math.round(lines / median(off)),
    onLinesPerSecond: Math.round(lines / median(on)),
    costPercent: +((1 - median(off) / median(on)) * 100).toFixed(1),
    offPeakRssMiB: median(offRss),
    onPeakRssMiB: median(onRss),
    archiveMbPerMillion: +(archiveBytes / 1e6 / (lines / 1e6)).toFixed(2),
    ndjsonMbPerMillion: +(ds.bytes / 1e6 / (lines / 1e6)).toFixed(2),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  data.dispose();
}
