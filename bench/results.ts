// The results file: `bench/results/<YYYY-MM-DD>-<host>.json`, one per machine and day (a later run that day
// replaces it). Everything RESULTS.md and the chart show is derived from it, so it keeps every raw run.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { MachineInfo } from './machine.js';
import type { Summary } from './stats.js';

export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
/** Committed: full runs. */
export const RESULTS_DIR = join(BENCH_DIR, 'results');
/** Git-ignored (bench/.cache/): `--quick` smoke runs write their JSON, RESULTS.md and chart here, never over the committed ones. */
export const QUICK_DIR = join(BENCH_DIR, '.cache', 'quick');

/** Something the run could not measure. `fatal`: the operator must act (the run exits 1); else planned or skipped. */
export interface NotMeasured {
  status: 'not-measured';
  reason: string;
  fatal: boolean;
}
export type Measured<T> = ({ status: 'measured' } & T) | NotMeasured;

/** A not-measured reason as one line (its first: the rest is a stack or detail), for tables and summaries. */
export const reasonLine = (reason: string): string => reason.split('\n')[0]!;

/** What every throughput run reports, logpulse's and the peers' (bench/peers/types.ts's PeerResult extends it). */
export interface RunFigures {
  lines: number;
  bytes: number;
  seconds: number;
  linesPerSecond: number;
  mbPerSecond: number;
  cpuPercent: number;
  peakRssMb: number;
}

/** One end-to-end run, peers included. */
export interface ThroughputRun extends RunFigures {
  /**
   * logpulse only: from the source's start (start-up over) to its last log line (input done, every output
   * durable), so the clock runs as the peers' do (they exclude start-up and teardown). Peer ratios use
   * lines / processingSeconds.
   */
  processingSeconds?: number;
  /** Scenario b: CPU % of `logpulse gen` over the same span (100 = one core), to tell who set the pace. */
  producerCpuPercent?: number;
  /** Scenario d: lines/s of `logpulse gen --out kafka://` filling the run's topic (start-up and final flush included). */
  producerLinesPerSecond?: number;
}

/** A run's figures from what every run measures: the data, the wall seconds, the CPU seconds and the peak RSS. */
export function runFigures(data: { lines: number; bytes: number }, seconds: number, cpuSeconds: number, peakRssMb: number): RunFigures {
  return {
    lines: data.lines,
    bytes: data.bytes,
    seconds,
    linesPerSecond: data.lines / seconds,
    mbPerSecond: data.bytes / 1e6 / seconds,
    cpuPercent: (cpuSeconds / seconds) * 100,
    peakRssMb,
  };
}

export interface ThroughputSummary {
  linesPerSecond: Summary;
  mbPerSecond: Summary;
  cpuPercent: Summary;
  peakRssMb: Summary;
}

export interface ThroughputScenario {
  title: string;
  /** How it was measured, one sentence, shown under the table. */
  how: string;
  warmupRuns: number;
  runs: ThroughputRun[];
  summary: ThroughputSummary;
}

/** The sources the latency scenario drives (issue 18): Kafka with 1 and with 3 partitions. */
export const LATENCY_SOURCES = ['stdin', 'tcp-listen', 'kafka-1', 'kafka-3'] as const;
export type LatencySource = (typeof LATENCY_SOURCES)[number];

/**
 * What the latency scenario times from a line's write (issue 18), each to where an operator sees it:
 * console: the console alert line read from the daemon's stdout; emitted: the alert's `emitted_at` (the daemon's
 * wall clock when it fired, against the driver's Date.now() at the write); topic: the alert's arrival on the
 * alerts topic; windows: the window's summary row first seen in /windows (from the line that closes the window);
 * durability: the error record in a completed errors/ file (bounded below by output.rotateEvery, by design).
 */
export const LATENCY_MEASURES = ['console', 'emitted', 'topic', 'windows', 'durability'] as const;
export type LatencyMeasure = (typeof LATENCY_MEASURES)[number];

export interface LatencyFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  /** Expected (sent) but never observed: should be 0. */
  missing: number;
}

export interface LatencyRun {
  /** Absent in results written before issue 18: tcp-listen. */
  source?: LatencySource;
  /** Lines per second asked for; 0: saturation (as fast as the driver can write and the source takes). */
  rate: number;
  seconds: number;
  /** Lines actually written per second (the driver's achieved rate). */
  achievedRate: number;
  /** p99 of how late the driver wrote lines against their schedule: a saturated daemon shows up here. */
  driverLagP99Ms: number;
  durabilityP50Ms: number;
  durabilityP99Ms: number;
  durabilityMaxMs: number;
  durabilitySamples: number;
  /** Error records sent but never seen in a completed errors/ file (should be 0). */
  durabilityMissing: number;
  alertP50Ms: number;
  alertP99Ms: number;
  alertMaxMs: number;
  alertSamples: number;
  /** Threshold crossings sent for which no alert was seen (should be 0). */
  alertMissing: number;
  cpuPercent: number;
  peakRssMb: number;
  /** Every measure (issue 18); null: not observable in this run (topic: no broker). The durability and alert* fields above repeat durability and console. */
  measures?: Record<LatencyMeasure, LatencyFigures | null>;
  /** Window rows whose `requests` differed from the lines written into that window (should be 0). */
  windowCountMismatches?: number;
}

export interface LatencyScenario {
  title: string;
  how: string;
  /** Absent in results written before issue 18: tcp-listen. */
  source?: LatencySource;
  rate: number;
  rotateEveryMs: number;
  warmupRuns: number;
  runs: LatencyRun[];
  summary: Record<'durabilityP50Ms' | 'durabilityP99Ms' | 'alertP50Ms' | 'alertP99Ms' | 'cpuPercent' | 'peakRssMb' | 'achievedRate', Summary>;
}

export interface PeerSeries {
  peer: string;
  title: string;
  /** The file this peer and its paired logpulse runs read. */
  dataset: { lines: number; bytes: number };
  runs: ThroughputRun[];
  summary: ThroughputSummary;
  /** logpulse's runs paired with this peer's, round by round: same file, on the peers' clock (processing). */
  logpulseRuns: ThroughputRun[];
  logpulseSummary: ThroughputSummary;
  /** logpulse over this peer, round by round: throughput, and peak RSS (lower is better for logpulse). */
  throughputRatio: Summary;
  rssRatio: Summary;
}

export interface MicroRow {
  suite: 'process' | 'hll' | 'gen';
  task: string;
  /** What one item is: a line, an IP address, a merge. */
  unit: string;
  itemsPerSecond: number;
  mbPerSecond: number | null;
  /** ns per item, from the samples' median, fastest and slowest. */
  nsPerItem: Summary;
  samples: number;
}

export interface Target {
  id: string;
  what: string;
  target: string;
  measured: string;
  /** null: not measured. */
  met: boolean | null;
  gap: string;
}

export interface BenchResults {
  schema: 1;
  quick: boolean;
  /** The suites run when `--only` limited them (a partial run, never committed); null for all. */
  only: string[] | null;
  /** Measured runs of every e2e number (and peer), after `warmupRuns` dropped ones. */
  runs: number;
  warmupRuns: number;
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  loadAvgAtEnd: number[];
  /** dist/ (the daemon the benches run) was rebuilt while the run went on: its numbers may mix two builds. */
  distRebuiltDuringRun: boolean;
  /** The data file of scenarios a and b (`gen`: the `logpulse gen` arguments that write it). */
  dataset: { lines: number; bytes: number; gen: string };
  /** The smaller data file of the Spark peers and their paired logpulse runs (Spark reads thousands of lines/s). */
  sparkDataset: { lines: number; bytes: number; gen: string };
  micro: MicroRow[];
  e2e: {
    file: Measured<ThroughputScenario>;
    tcp: Measured<ThroughputScenario>;
    latency: Measured<LatencyScenario>[];
    kafka: Measured<ThroughputScenario>;
  };
  peers: Record<'naive' | 'sparkFile' | 'sparkSocket', Measured<PeerSeries>> & {
    /**
     * Issue 15: Spark from files at larger sizes than its 200 k-line file (`sparkFile`), the same job and settings,
     * paired with logpulse on each file; absent in runs before it. Smallest first; the headline is the largest.
     */
    sparkFileCurve?: Measured<PeerSeries>[];
  };
  /**
   * Set when this full run did not run the latency suite (`--reuse-latency`): `e2e.latency` is copied unchanged
   * from that earlier results file (the same code, said in RESULTS.md), so that 25 minutes are not spent again.
   */
  latencyFrom?: { file: string; startedAt: string; gitCommit: string };
  targets: Target[];
  /** Everything not measured, with why: printed loudly and shown in RESULTS.md. */
  notMeasured: { what: string; reason: string; fatal: boolean }[];
}

export function resultsFileName(date: string, host: string): string {
  return `${date}-${host.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

export function saveResults(dir: string, r: BenchResults): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, resultsFileName(r.startedAt.slice(0, 10), r.machine.host));
  writeFileSync(path, `${JSON.stringify(r, null, 1)}\n`);
  return path;
}

/** A complete run: not `--quick`, not `--only`. */
export const isFullRun = (r: BenchResults): boolean => !r.quick && !r.only;

/** A run that measured the latency scenario per source (issue 18), full or not. */
export const hasLatencyPerSource = (r: BenchResults): boolean => r.e2e.latency.some((l) => l.status === 'measured' && l.source !== undefined);

/**
 * The newest results file in `dir` that `accept`s (default: full runs), by the run's own finish time (not the
 * file's mtime, which git does not keep).
 */
export function newestResults(dir: string, accept: (r: BenchResults) => boolean = isFullRun): { path: string; results: BenchResults } | null {
  let best: { path: string; results: BenchResults } | null = null;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return null;
  }
  for (const name of names) {
    const path = join(dir, name);
    const results = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
    if (results.schema !== 1 || !accept(results)) continue;
    if (!best || results.finishedAt > best.results.finishedAt) best = { path, results };
  }
  return best;
}

export function notMeasured(reason: string, fatal: boolean): NotMeasured {
  return { status: 'not-measured', reason, fatal };
}

/** A run's figures for one measure; runs before issue 18 have console (alert*) and durability fields only. */
export function latencyFiguresOf(r: LatencyRun, m: LatencyMeasure): LatencyFigures | null {
  if (r.measures) return r.measures[m];
  if (m === 'console') return { p50Ms: r.alertP50Ms, p99Ms: r.alertP99Ms, maxMs: r.alertMaxMs, samples: r.alertSamples, missing: r.alertMissing };
  if (m === 'durability') return { p50Ms: r.durabilityP50Ms, p99Ms: r.durabilityP99Ms, maxMs: r.durabilityMaxMs, samples: r.durabilitySamples, missing: r.durabilityMissing };
  return null;
}
