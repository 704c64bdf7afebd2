// `logpulse gen --rate 0` to stdout (SPEC §6: >= 1,000,000 lines/s on one core): the real CLI, pinned to one
// core with taskset when there is one, writing into a pipe this process drains. Wall time from spawn to exit,
// so start-up is included and the figure is a floor. It proves throughput only; test/gen/ proves the lines.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';

import { spawnCli } from '../test/support/cli.js';
import type { MicroRow } from './results.js';
import type { BenchFormat } from './seed-lines.js';
import { summarize } from './stats.js';

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
  const args = ['gen', '--rate', '0', '--count', String(lines), '--format', format, '--seed', '1'];
  const started = process.hrtime.bigint();
  const gen = spawnCli(args, { stdout: 'pipe', cwd: tmpdir(), ...(TASKSET ? { via: ['taskset', '-c', '0'] } : {}) });
  let bytes = 0;
  gen.child.stdout!.on('data', (d: Buffer) => (bytes += d.length));
  const code = await gen.exit;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`logpulse gen exited ${code}: ${gen.stderr().slice(-2000)}`);
  return { format, lines, bytes, seconds, linesPerSecond: lines / seconds, mbPerSecond: bytes / 1e6 / seconds };
}

/** `runs` runs per format (after one warm-up run when there are several), as micro rows: ns per line of each run. */
export async function genSuite(lines: number, runs: number): Promise<MicroRow[]> {
  const rows: MicroRow[] = [];
  for (const format of ['json', 'csv', 'clf'] as const) {
    if (runs > 1) await genThroughput(format, lines);
    const results: GenResult[] = [];
    for (let i = 0; i < runs; i++) results.push(await genThroughput(format, lines));
    const ns = summarize(results.map((r) => (r.seconds * 1e9) / r.lines));
    const bytes = results[0]!.bytes;
    rows.push({
      suite: 'gen',
      task: `logpulse gen --rate 0 → pipe, ${format}${TASKSET ? ', pinned to 1 core' : ''}`,
      unit: 'line',
      itemsPerSecond: 1e9 / ns.median,
      mbPerSecond: bytes / 1e6 / ((ns.median * lines) / 1e9),
      nsPerItem: ns,
      samples: runs,
    });
  }
  return rows;
}
