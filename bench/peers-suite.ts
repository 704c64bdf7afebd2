// Peers, measured in the same run as logpulse and paired with it on the same data file: a naive Node.js
// version, and the seed's Spark Structured Streaming job from files and fed through a socket exactly as in the
// seed (bench/peers/). Spark reads a few thousand lines/s here, so it gets its own, smaller file; the naive peer
// reads the run's main file. Each file has its own logpulse runs.
//
// The machine is shared and noisy, so runs are interleaved in rounds — logpulse then naive on the main file,
// logpulse then Spark (files) then Spark (socket) on Spark's file, then again — and each ratio is taken within a
// round (a slow minute hurts both sides alike) before being summarised. Round 0 is a warm-up and is dropped.
//
// The clocks match: every peer times its processing alone (python/JVM start-up excluded), so logpulse's side of
// a ratio is its processing rate too (from its source's start until every output is written; see
// ThroughputRun.processingSeconds). A peer that cannot be installed or run is never skipped silently: it comes
// back as a fatal NotMeasured with the reason, printed in a banner at once and again at the end (exit 1).
import { naivePeer } from './peers/naive-node.js';
import { ensureSpark, sparkPeer } from './peers/spark.js';
import { type PeerResult, PeerUnavailable } from './peers/types.js';
import type { Dataset } from './dataset.js';
import { fileThroughput } from './e2e-file.js';
import { type Measured, notMeasured, type PeerSeries, type ThroughputRun } from './results.js';
import { si, summarize, summarizeFields } from './stats.js';

export type PeerKey = 'naive' | 'sparkFile' | 'sparkSocket';

const TITLES: Record<PeerKey, string> = {
  naive: 'naive Node.js (readline + JSON.parse + Map/Set)',
  sparkFile: 'Spark Structured Streaming, seed job, from files',
  sparkSocket: 'Spark Structured Streaming, seed job, socket source (as the seed)',
};

export interface PeersOptions {
  runs: number;
  warmupRuns: number;
  /** The naive peer's file (the run's main dataset). */
  data: Dataset;
  /** Spark's file. */
  sparkData: Dataset;
  /** Why Spark is not run at all (e.g. `--quick`), or null to run it. Not fatal: a choice, said out loud. */
  skipSpark: string | null;
  /**
   * Issue 15's curve: larger files (smallest first) that Spark reads from files after the rounds above, `runs`
   * pairs each with no warm-up (every Spark run starts its own JVM; logpulse is warm by then). Empty: no curve.
   */
  sparkCurve: Dataset[];
}

/** Printed on stderr the moment something is not measured, so nobody reads a table without knowing. */
export function banner(what: string, reason: string, heading = 'NOT MEASURED'): void {
  const bar = '!'.repeat(100);
  process.stderr.write(`\n${bar}\n!!! ${heading}: ${what}\n!!! ${reason.split('\n').join('\n!!! ')}\n${bar}\n\n`);
}

function runPeer(key: PeerKey, data: Dataset): Promise<PeerResult> {
  const common = { dataFile: data.path, lines: data.lines };
  if (key === 'naive') return naivePeer(common);
  return sparkPeer({ ...common, mode: key === 'sparkFile' ? 'file' : 'socket' });
}

function toRun({ peer: _peer, notes: _notes, ...figures }: PeerResult): ThroughputRun {
  return figures;
}

/** logpulse on `data`, on the peers' clock: its lines/s and MB/s over processingSeconds. */
async function logpulseRun(data: Dataset): Promise<ThroughputRun> {
  const r = await fileThroughput(data);
  const secs = r.processingSeconds ?? r.seconds;
  return { ...r, seconds: secs, linesPerSecond: r.lines / secs, mbPerSecond: r.bytes / 1e6 / secs };
}

const SUMMARY_KEYS = ['linesPerSecond', 'mbPerSecond', 'cpuPercent', 'peakRssMb'] as const;

interface Pair {
  peer: PeerResult;
  logpulse: ThroughputRun;
}

function series(key: PeerKey, data: Dataset, pairs: Pair[]): Measured<PeerSeries> {
  const runs = pairs.map((p) => toRun(p.peer));
  const logpulseRuns = pairs.map((p) => p.logpulse);
  return {
    status: 'measured',
    peer: pairs[0]?.peer.peer ?? key,
    title: TITLES[key],
    dataset: { lines: data.lines, bytes: data.bytes },
    runs,
    summary: summarizeFields(runs, SUMMARY_KEYS),
    logpulseRuns,
    logpulseSummary: summarizeFields(logpulseRuns, SUMMARY_KEYS),
    throughputRatio: summarize(pairs.map((p) => p.logpulse.linesPerSecond / p.peer.linesPerSecond)),
    rssRatio: summarize(pairs.map((p) => p.logpulse.peakRssMb / p.peer.peakRssMb)),
  };
}

/** Spark from files on each of the curve's files, paired run by run with logpulse; a failure is fatal for that size only. */
async function sparkCurve(data: Dataset[], runs: number): Promise<Measured<PeerSeries>[]> {
  const out: Measured<PeerSeries>[] = [];
  for (const d of data) {
    const pairs: Pair[] = [];
    try {
      for (let r = 0; r < runs; r++) {
        const lp = await logpulseRun(d);
        const res = await runPeer('sparkFile', d);
        process.stderr.write(`peers curve ${si(d.lines)} lines, run ${r + 1}/${runs}: logpulse ${si(lp.linesPerSecond)} lines/s, ${res.peer} ${si(res.linesPerSecond)} lines/s, ${res.peakRssMb.toFixed(0)} MB\n`);
        pairs.push({ peer: res, logpulse: lp });
      }
      out.push(series('sparkFile', d, pairs));
    } catch (err) {
      const reason = err instanceof PeerUnavailable ? err.reason : ((err as Error).stack ?? String(err));
      banner(`${TITLES.sparkFile}, ${d.lines.toLocaleString('en-US')} lines`, reason);
      out.push(notMeasured(`Spark from files, ${d.lines.toLocaleString('en-US')} lines: ${reason}`, true));
    }
  }
  return out;
}

export async function peersSuite(o: PeersOptions): Promise<Record<PeerKey, Measured<PeerSeries>> & { sparkFileCurve: Measured<PeerSeries>[] }> {
  const failed = new Map<PeerKey, { reason: string; fatal: boolean }>();
  if (o.skipSpark !== null) {
    for (const k of ['sparkFile', 'sparkSocket'] as const) failed.set(k, { reason: o.skipSpark, fatal: false });
    process.stderr.write(`peers: Spark not run: ${o.skipSpark}\n`);
  } else {
    try {
      await ensureSpark();
    } catch (err) {
      const reason = err instanceof PeerUnavailable ? err.reason : (err as Error).message;
      for (const k of ['sparkFile', 'sparkSocket'] as const) failed.set(k, { reason: `cannot be installed or started: ${reason}`, fatal: true });
      banner('Spark (file and socket)', reason);
    }
  }
  const groups: { data: Dataset; keys: PeerKey[] }[] = [
    { data: o.data, keys: ['naive'] },
    { data: o.sparkData, keys: ['sparkFile', 'sparkSocket'] },
  ];

  const paired: Record<PeerKey, Pair[]> = { naive: [], sparkFile: [], sparkSocket: [] };
  for (let r = 0; r < o.warmupRuns + o.runs; r++) {
    const label = r < o.warmupRuns ? 'warm-up' : `round ${r - o.warmupRuns + 1}/${o.runs}`;
    const roundStart = Date.now();
    for (const g of groups) {
      const keys = g.keys.filter((k) => !failed.has(k));
      if (keys.length === 0) continue;
      const lp = await logpulseRun(g.data);
      process.stderr.write(`peers ${label}: logpulse ${si(lp.linesPerSecond)} lines/s (processing, ${si(g.data.lines)} lines)\n`);
      for (const key of keys) {
        try {
          const res = await runPeer(key, g.data);
          process.stderr.write(`peers ${label}: ${res.peer} ${si(res.linesPerSecond)} lines/s, ${res.peakRssMb.toFixed(0)} MB\n`);
          if (r >= o.warmupRuns) paired[key].push({ peer: res, logpulse: lp });
        } catch (err) {
          const reason = err instanceof PeerUnavailable ? err.reason : ((err as Error).stack ?? String(err));
          failed.set(key, { reason: `failed in ${label}: ${reason}`, fatal: true });
          banner(TITLES[key], reason);
        }
      }
    }
    const left = o.warmupRuns + o.runs - r - 1;
    if (left > 0) process.stderr.write(`peers: that round took ${((Date.now() - roundStart) / 60_000).toFixed(1)} min; ${left} more (--spark-lines sets Spark's share)\n`);
  }

  const out = {} as Record<PeerKey, Measured<PeerSeries>>;
  for (const g of groups) {
    for (const key of g.keys) {
      const f = failed.get(key);
      out[key] = f ? notMeasured(f.reason, f.fatal) : series(key, g.data, paired[key]);
    }
  }
  const curveSkipped = failed.get('sparkFile');
  const sparkFileCurve = o.sparkCurve.length === 0 ? [] : curveSkipped ? o.sparkCurve.map(() => notMeasured(curveSkipped.reason, curveSkipped.fatal)) : await sparkCurve(o.sparkCurve, o.runs);
  return { ...out, sparkFileCurve };
}
