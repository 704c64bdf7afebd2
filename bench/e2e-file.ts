// End-to-end throughput of `logpulse run` on a file (issue 3: target >= 2 M lines/s on 2 cores): the real
// daemon reads a seed-shaped file (10 % errors), writes every output, and exits. Reports wall-clock lines/s,
// MB/s, CPU % and peak RSS of the daemon process. `-- --quick` uses a smaller file.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { seedLines } from './seed-lines.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

export interface E2eResult {
  lines: number;
  bytes: number;
  seconds: number;
  linesPerSecond: number;
  mbPerSecond: number;
  cpuPercent: number;
  peakRssMb: number;
  workers: number;
}

async function writeDataset(path: string, lines: number): Promise<number> {
  const out = createWriteStream(path);
  const batch = 100_000;
  for (let i = 0; i < lines; i += batch) {
    // Successive batches continue in event time, so windows close along the way as they would live.
    const buf = seedLines({ format: 'json', lines: Math.min(batch, lines - i), seed: 1 + i, startUs: 1_749_462_150_000_000 + i * 500 });
    if (!out.write(buf)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return statSync(path).size;
}

export async function fileThroughput(lines: number, workers: number): Promise<E2eResult> {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-bench-'));
  try {
    const file = join(dir, 'seed.log');
    const bytes = await writeDataset(file, lines);
    const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
    const args = [CLI, 'run', '--source', `file:${file}`, '--output', join(dir, 'out'), '--no-api', '--workers', String(workers)];
    const started = process.hrtime.bigint();
    const r = timeBin
      ? spawnSync(timeBin, ['-f', 'LPTIME %e %P %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
      : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.status !== 0) throw new Error(`daemon exited ${r.status}: ${r.stderr.slice(-2000)}`);
    const m = /LPTIME ([\d.]+) (\d+)% (\d+)/.exec(r.stderr);
    return {
      lines,
      bytes,
      seconds,
      linesPerSecond: lines / seconds,
      mbPerSecond: bytes / 1e6 / seconds,
      cpuPercent: m ? Number(m[2]) : NaN,
      peakRssMb: m ? Number(m[3]) / 1024 : NaN,
      workers,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
