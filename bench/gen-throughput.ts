// `logpulse gen --rate 0` to stdout (SPEC §6: >= 1,000,000 lines/s on one core): the real CLI, pinned to one
// core with taskset when there is one, writing into a pipe this process drains. Wall time from spawn to exit,
// so start-up is included and the figure is a floor. It proves throughput only; test/gen/ proves the lines.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import type { BenchFormat } from './seed-lines.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export interface GenResult {
  format: BenchFormat;
  lines: number;
  bytes: number;
  seconds: number;
  linesPerSecond: number;
  mbPerSecond: number;
}

export async function genThroughput(format: BenchFormat, lines: number): Promise<GenResult> {
  const args = [CLI, 'gen', '--rate', '0', '--count', String(lines), '--format', format, '--seed', '1'];
  const started = process.hrtime.bigint();
  const child = TASKSET ? spawn('taskset', ['-c', '0', process.execPath, ...args]) : spawn(process.execPath, args);
  let bytes = 0;
  child.stdout.on('data', (d: Buffer) => (bytes += d.length));
  const [code] = (await once(child, 'exit')) as [number | null];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`logpulse gen exited ${code}`);
  return { format, lines, bytes, seconds, linesPerSecond: lines / seconds, mbPerSecond: bytes / 1e6 / seconds };
}

/** Median of `runs` runs per format, printed as a table. */
export async function reportGenThroughput(lines: number, runs: number): Promise<void> {
  const rows = [];
  for (const format of ['json', 'csv', 'clf'] as const) {
    const results: GenResult[] = [];
    for (let i = 0; i < runs; i++) results.push(await genThroughput(format, lines));
    results.sort((a, b) => a.linesPerSecond - b.linesPerSecond);
    const med = results[Math.floor(results.length / 2)]!;
    rows.push({
      'gen --rate 0 → pipe': `${format}, ${(lines / 1e6).toFixed(1)} M lines${TASKSET ? ', 1 core' : ''}`,
      'median lines/s': Math.round(med.linesPerSecond),
      'MB/s': +med.mbPerSecond.toFixed(1),
      'runs (lines/s)': results.map((r) => `${(r.linesPerSecond / 1e6).toFixed(2)} M`).join(' '),
    });
  }
  console.table(rows);
}
