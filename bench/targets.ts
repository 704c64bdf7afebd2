// Issue 5's targets (and issue 18's Kafka latency ones, issue 15's speed ones), each with the measured value and the gap, from one results file. A target whose input was
// not measured says so (met: null) instead of passing or failing.
import { type BenchResults, latencyFiguresOf, type Measured, type MicroRow, type PeerSeries, reasonLine, type Target } from './results.js';
import type { Summary } from './stats.js';
import { si, summarize } from './stats.js';

const pct = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(0)} %`;

/** `2.65 M lines/s (runs 2.41 M – 2.70 M)`. */
function measured(s: Summary, show: (v: number) => string, unit: string): string {
  return `${show(s.median)}${unit}${s.runs.length > 1 ? ` (runs ${show(s.min)} – ${show(s.max)})` : ''}`;
}

/** measured >= goal: `met (+32 %)` / `missed by 18 % (×1.22 needed)`. */
function atLeast(id: string, what: string, target: string, s: Summary | null, goal: number, show: (v: number) => string, unit: string, missing: string): Target {
  if (!s || !Number.isFinite(s.median)) return { id, what, target, measured: missing, met: null, gap: '—' };
  const met = s.median >= goal;
  const gap = met ? `met (${pct(s.median / goal - 1)})` : `missed by ${Math.round((1 - s.median / goal) * 100)} % (×${(goal / s.median).toFixed(2)} needed)`;
  return { id, what, target, measured: measured(s, show, unit), met, gap };
}

/** measured <= goal: `met (12.3 ms under)` / `over by 4.1 ms (+8 %)`. */
function atMost(id: string, what: string, target: string, s: Summary | null, goal: number, show: (v: number) => string, unit: string, missing: string): Target {
  if (!s || !Number.isFinite(s.median)) return { id, what, target, measured: missing, met: null, gap: '—' };
  const met = s.median <= goal;
  const gap = met ? `met (${show(goal - s.median)}${unit} under)` : `over by ${show(s.median - goal)}${unit} (${pct(s.median / goal - 1)})`;
  return { id, what, target, measured: measured(s, show, unit), met, gap };
}

function why<T>(m: Measured<T>): string {
  return m.status === 'measured' ? '' : `NOT MEASURED: ${reasonLine(m.reason)}`;
}

const ratio = (v: number) => `${v.toFixed(1)}×`;
const ms = (v: number) => v.toFixed(v < 100 ? 1 : 0);

export function evaluateTargets(r: BenchResults): Target[] {
  const out: Target[] = [];
  const file = r.e2e.file;
  out.push(atLeast('file-throughput', 'file → daemon, 2 workers (spawn to exit)', '≥ 2 M lines/s', file.status === 'measured' ? file.summary.linesPerSecond : null, 2e6, si, ' lines/s', why(file)));

  const peer = (m: Measured<PeerSeries>, pick: (p: PeerSeries) => Summary) => (m.status === 'measured' ? pick(m) : null);
  for (const [key, mode] of [['sparkSocket', 'socket, as the seed'], ['sparkFile', 'files']] as const) {
    const m = r.peers[key];
    out.push(atLeast(`spark-${key === 'sparkFile' ? 'file' : 'socket'}-throughput`, `logpulse / Spark throughput (Spark from ${mode})`, '≥ 50×', peer(m, (p) => p.throughputRatio), 50, ratio, '', why(m)));
    // RSS: logpulse's peak over Spark's, at most 1/5.
    out.push(atMost(`spark-${key === 'sparkFile' ? 'file' : 'socket'}-rss`, `logpulse / Spark peak RSS (Spark from ${mode})`, '≤ 0.20 (1/5)', peer(m, (p) => p.rssRatio), 0.2, (v) => v.toFixed(2), '', why(m)));
  }
  out.push(atLeast('naive-throughput', 'logpulse / naive Node.js throughput', '≥ 10×', peer(r.peers.naive, (p) => p.throughputRatio), 10, ratio, '', why(r.peers.naive)));

  // Issue 5's latency targets are tcp-listen's (the only source before issue 18, where `source` is absent).
  const at1k = r.e2e.latency.find((l) => l.status === 'measured' && l.rate === 1000 && (l.source ?? 'tcp-listen') === 'tcp-listen');
  const l1k = at1k?.status === 'measured' ? at1k : null;
  const lMissing = r.e2e.latency.map(why).find((w) => w !== '') ?? 'NOT MEASURED';
  const rotate = l1k?.rotateEveryMs ?? 10_000;
  out.push(atMost('durability-p99-1k', `p99 error-record durability at 1,000 lines/s (rotation ${rotate / 1000} s)`, `≤ ${(rotate + 100).toLocaleString('en-US')} ms (rotation + 100 ms)`, l1k?.summary.durabilityP99Ms ?? null, rotate + 100, ms, ' ms', lMissing));
  out.push(atMost('alert-p99-1k', 'p99 alert latency at 1,000 lines/s', '≤ 50 ms', l1k?.summary.alertP99Ms ?? null, 50, ms, ' ms', lMissing));
  if (r.e2e.latency.some((l) => l.status === 'measured' && l.source !== undefined)) out.push(...evaluateKafkaLatencyTargets(r));
  out.push(...evaluateSpeedTargets(r));
  return out;
}

const mib = (v: number) => v.toFixed(0);

/** Issue 15's targets, from the suites that measure them (a run before issue 15 has no curve: not measured). */
export function evaluateSpeedTargets(r: BenchResults): Target[] {
  const out: Target[] = [];
  const file = r.e2e.file;
  const fileS = file.status === 'measured' ? file.summary : null;
  const fileWhat = `file → daemon, ${r.dataset.lines.toLocaleString('en-US')} lines, 2 workers (spawn to exit)`;
  out.push(atLeast('file-throughput-15', fileWhat, '≥ 5 M lines/s (issue 15)', fileS?.linesPerSecond ?? null, 5e6, si, ' lines/s', why(file)));
  out.push(atMost('file-rss-15', `peak RSS, ${fileWhat}`, '≤ 150 MB', fileS?.peakRssMb ?? null, 150, mib, ' MB', why(file)));

  const micro = (task: string) => r.micro.find((m) => m.task === task);
  const native = micro('native process, json');
  // tinybench's samples give ns per line; lines/s from the median sample, min/max from the extremes.
  const perLine = (m: MicroRow | undefined) => (m ? { median: 1e9 / m.nsPerItem.median, min: 1e9 / m.nsPerItem.max, max: 1e9 / m.nsPerItem.min, runs: [1e9 / m.nsPerItem.median] } : null);
  out.push(atLeast('native-process-json', 'native `process`, JSON, one core (N-API, window merge)', '≥ 8 M lines/s', perLine(native), 8e6, si, ' lines/s', 'NOT MEASURED (micro suite not run)'));
  const gen = r.micro.find((m) => m.suite === 'gen' && m.task.includes(', json'));
  out.push(atLeast('gen-pipe-json', `\`${gen?.task ?? 'logpulse gen --rate 0 → pipe, json'}\``, '≥ 8 M lines/s', perLine(gen), 8e6, si, ' lines/s', 'NOT MEASURED (gen suite not run)'));

  const kafka = r.e2e.kafka;
  const kafkaS = kafka.status === 'measured' ? kafka.summary : null;
  out.push(atLeast('kafka-throughput-15', 'Kafka → daemon, 3 partitions, one line per message (spawn to exit)', '≥ 500 k lines/s', kafkaS?.linesPerSecond ?? null, 5e5, si, ' lines/s', why(kafka)));
  out.push(atMost('kafka-rss-15', 'peak RSS, Kafka → daemon', '≤ 250 MB', kafkaS?.peakRssMb ?? null, 250, mib, ' MB', why(kafka)));

  // The curve's headline is its largest size (issue 15); the 200 k point is `sparkFile`.
  const curve = r.peers.sparkFileCurve ?? [];
  const largest = curve.at(-1);
  const lines = largest?.status === 'measured' ? ` on ${largest.dataset.lines.toLocaleString('en-US')} lines` : '';
  const missing = largest ? why(largest) : 'NOT MEASURED (no Spark curve in this run)';
  const pick = (f: (p: PeerSeries) => Summary) => (largest?.status === 'measured' ? f(largest) : null);
  out.push(atLeast('spark-file-curve-throughput', `logpulse / Spark throughput, Spark from files${lines} (curve's largest size)`, '≥ 40×', pick((p) => p.throughputRatio), 40, ratio, '', missing));
  out.push(atMost('spark-file-curve-rss', `logpulse / Spark peak RSS, Spark from files${lines}`, '≤ 0.20 (1/5)', pick((p) => p.rssRatio), 0.2, (v) => v.toFixed(2), '', missing));
  return out;
}

/** Issue 18's Kafka latency targets, per partition count, from the runs' p99 of a measure (median over runs). */
export function evaluateKafkaLatencyTargets(r: BenchResults, label = ''): Target[] {
  const out: Target[] = [];
  const goals = [
    { rate: 1000, measure: 'emitted', goal: 50, what: 'crossing → alert fired (emitted_at)' },
    { rate: 1000, measure: 'topic', goal: 100, what: 'crossing → alert on topic `alerts`' },
    { rate: 100_000, measure: 'emitted', goal: 100, what: 'crossing → alert fired (emitted_at)' },
  ] as const;
  for (const source of ['kafka-1', 'kafka-3'] as const) {
    for (const g of goals) {
      const m = r.e2e.latency.find((l) => l.status === 'measured' && l.source === source && l.rate === g.rate);
      const s = m?.status === 'measured' ? summarize(m.runs.map((run) => latencyFiguresOf(run, g.measure)?.p99Ms ?? Number.NaN)) : null;
      const what = `Kafka, ${source === 'kafka-1' ? '1 partition' : '3 partitions'}, ${g.rate.toLocaleString('en-US')} lines/s: p99 ${g.what}${label}`;
      out.push(atMost(`${source}-${g.measure}-p99-${g.rate}`, what, `≤ ${g.goal} ms`, s, g.goal, ms, ' ms', 'NOT MEASURED'));
    }
  }
  return out;
}
