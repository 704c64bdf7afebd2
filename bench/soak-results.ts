// The soak suite's results (issue 20): one file per soak run, `bench/results/<date>-<host>-soak-<N>min-<HHMM>.json`
// (`quick` for `--quick`; the start time, UTC, so runs of one day never replace each other), beside the full runs' files but of its own shape (`schema: 'soak/1'`, which
// newestResults skips). RESULTS.md's soak section and soak-chart.svg take, per scenario, the longest run found
// in any of them, so a 30-minute run of one source and quick runs of the others show side by side, each with its
// mode and date.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { MachineInfo } from './machine.js';
import { leastSquaresSlope } from './stats.js';

/** The sources the soak drives: the built-in generator, a followed file, tcp-listen, Kafka (3 partitions). */
export const SOAK_SOURCES = ['generator', 'file', 'tcp-listen', 'kafka'] as const;
export type SoakSource = (typeof SOAK_SOURCES)[number];

/** Once a second: seconds since the source started, the daemon's RSS (MiB) and its open file descriptors. */
export interface SoakSamples {
  t: number[];
  rssMb: number[];
  fds: number[];
  /** The main thread's JS heap in use (MiB, /metrics' nodejs_heap_size_used_bytes at the last poll): tells a JS leak from a native one. Absent in the first runs. */
  heapMb?: number[];
}

/** What one scenario's samples say, after the warm-up. */
export interface SoakFigures {
  /** Mean RSS over the first tenth of the samples after warm-up, and over the last tenth (one GC cycle is noise). */
  rssAfterWarmupMb: number;
  rssEndMb: number;
  rssMinMb: number;
  rssMaxMb: number;
  /** Least squares over every sample after warm-up. */
  slopeMbPerHour: number;
  /** The same over the second half of them: memory still settling early in the run shows in the first, not here. */
  lateSlopeMbPerHour?: number;
  /** The farthest sample after warm-up from rssAfterWarmupMb, in % of it (issue 20: within ±10 %). */
  bandPercent: number;
  /** Open files at the first sample after warm-up, and at the last sample. */
  fdsStart: number;
  fdsEnd: number;
  fdsMax: number;
  /** The main thread's JS heap, least squares after warm-up (absent when not sampled). */
  heapSlopeMbPerHour?: number;
}

export interface SoakRun {
  source: SoakSource;
  /** Fraction of lines that are errors (status >= 400): 0.1 or 0.5. */
  errorRate: number;
  /** Lines per second asked for. */
  rate: number;
  /** Lines the daemon read over the run / its seconds (from /metrics' logpulse_lines_total). */
  achievedRate: number;
  seconds: number;
  warmupSeconds: number;
  /** The API load beside the lines: /windows and /metrics polls answered (and failed), SSE events on /events. */
  polls: number;
  pollErrors: number;
  sseEvents: number;
  /** tcp-listen: connections opened and closed by the driver over the run. */
  connections: number;
  loadAvgAtStart: number[];
  loadAvgAtEnd: number[];
  daemonExitCode: number | null;
  figures: SoakFigures;
  samples: SoakSamples;
}

export interface SoakResults {
  schema: 'soak/1';
  /** `quick` (2 min a scenario) or the minutes asked for. */
  mode: string;
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  how: string;
  runs: SoakRun[];
  /** Scenarios that failed, with why. */
  failed: { scenario: string; reason: string }[];
}

export const scenarioName = (r: Pick<SoakRun, 'source' | 'errorRate'>): string => `${r.source}, ${Math.round(r.errorRate * 100)} % errors`;

const mean = (v: number[]) => (v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length);

/** The figures of samples whose first `warmupSeconds` are dropped. */
export function soakFigures(s: SoakSamples, warmupSeconds: number): SoakFigures {
  const from = s.t.findIndex((t) => t >= warmupSeconds);
  const i0 = from < 0 ? s.t.length : from;
  const t = s.t.slice(i0);
  const rss = s.rssMb.slice(i0);
  const tenth = Math.max(1, Math.floor(rss.length / 10));
  const after = mean(rss.slice(0, tenth));
  const band = rss.reduce((m, v) => Math.max(m, Math.abs(v - after)), 0);
  return {
    rssAfterWarmupMb: after,
    rssEndMb: mean(rss.slice(-tenth)),
    rssMinMb: rss.length ? Math.min(...rss) : Number.NaN,
    rssMaxMb: rss.length ? Math.max(...rss) : Number.NaN,
    slopeMbPerHour: leastSquaresSlope(t, rss) * 3600,
    lateSlopeMbPerHour: leastSquaresSlope(t.slice(t.length >> 1), rss.slice(rss.length >> 1)) * 3600,
    bandPercent: (band / after) * 100,
    fdsStart: s.fds[i0] ?? Number.NaN,
    fdsEnd: s.fds.at(-1) ?? Number.NaN,
    fdsMax: s.fds.length ? Math.max(...s.fds) : Number.NaN,
    ...(s.heapMb ? { heapSlopeMbPerHour: leastSquaresSlope(t, s.heapMb.slice(i0)) * 3600 } : {}),
  };
}

/** JSON with each sample series on one line: readable, and diffs of a 30-minute run stay small. */
function stringify(r: SoakResults): string {
  const series: string[] = [];
  const shallow = { ...r, runs: r.runs.map((run) => ({ ...run, samples: Object.fromEntries(Object.entries(run.samples).map(([k, v]) => [k, `@@${series.push(JSON.stringify(v)) - 1}@@`])) })) };
  return `${JSON.stringify(shallow, null, 1).replace(/"@@(\d+)@@"/g, (_, i: string) => series[Number(i)]!)}\n`;
}

export function saveSoakResults(dir: string, r: SoakResults): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${r.startedAt.slice(0, 10)}-${r.machine.host.replace(/[^A-Za-z0-9._-]/g, '_')}-soak-${r.mode}-${r.startedAt.slice(11, 16).replace(':', '')}.json`);
  writeFileSync(path, stringify(r));
  return path;
}

export interface SoakPick {
  run: SoakRun;
  from: SoakResults;
  path: string;
}

/** Per scenario (source, error rate), the longest run in any soak file of `dir` (the newer on a tie), in SOAK_SOURCES order. */
export function bestSoakRuns(dir: string): SoakPick[] {
  const best = new Map<string, SoakPick>();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  for (const name of names) {
    const path = join(dir, name);
    const from = JSON.parse(readFileSync(path, 'utf8')) as SoakResults;
    if (from.schema !== 'soak/1') continue;
    for (const run of from.runs) {
      const key = scenarioName(run);
      const had = best.get(key);
      if (!had || run.seconds > had.run.seconds + 1 || (Math.abs(run.seconds - had.run.seconds) <= 1 && from.finishedAt > had.from.finishedAt)) best.set(key, { run, from, path });
    }
  }
  return [...best.values()].sort((a, b) => SOAK_SOURCES.indexOf(a.run.source) - SOAK_SOURCES.indexOf(b.run.source) || a.run.errorRate - b.run.errorRate);
}
