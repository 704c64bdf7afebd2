// `node --import tsx bench/archive.ts [LINES] [RUNS]` — what the Parquet archive costs (issue 10's goal: at most
// 25 % of file → daemon throughput): the main dataset (bench/dataset.ts, default 4 M seed-shaped lines) read
// through `--source file:` with 2 workers, alternately with `archive.enabled` off and on, RUNS times each (default
// 3), in one process so both see the same machine. Wall time from spawn to exit, final compaction included.
// Also: the archive's size per million records against the raw NDJSON. It proves cost only; the tests prove the
// archive holds every record.
import { readdirSync, statSync } from 'node:fs';
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

async function once(source: string, archive: boolean): Promise<{ seconds: number; archiveBytes: number }> {
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
    const code = await d.exited;
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0 || d.totals?.lines !== lines) throw new Error(`daemon exited ${code} after ${d.totals?.lines} lines:\n${d.stderrTail}`);
    return { seconds, archiveBytes: archive ? bytesUnder(archiveDir) : 0 };
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
  let archiveBytes = 0;
  for (let i = 0; i < runs; i++) {
    off.push((await once(`file:${ds.path}`, false)).seconds);
    const r = await once(`file:${ds.path}`, true);
    on.push(r.seconds);
    archiveBytes = r.archiveBytes;
    log(`run ${i + 1}: off ${off.at(-1)!.toFixed(2)} s, on ${on.at(-1)!.toFixed(2)} s`);
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
    archiveMbPerMillion: +(archiveBytes / 1e6 / (lines / 1e6)).toFixed(2),
    ndjsonMbPerMillion: +(ds.bytes / 1e6 / (lines / 1e6)).toFixed(2),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  data.dispose();
}
