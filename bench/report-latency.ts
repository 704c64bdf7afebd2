// RESULTS.md's latency section (scenario c): per source and rate, the p50 / p99 / max of every measure of
// LATENCY_MEASURES, from the full run's results or from a later run of the latency suite alone (labelled).
import { type BenchResults, LATENCY_MEASURES, latencyFiguresOf, type LatencyMeasure, type LatencyScenario, type Measured, reasonLine, type Target } from './results.js';
import { si, summarize } from './stats.js';
import { evaluateKafkaLatencyTargets } from './targets.js';

const MEASURE_NAMES: Record<LatencyMeasure, string> = {
  console: 'alert, console',
  emitted: 'alert fired (emitted_at)',
  topic: 'alert on topic',
  windows: 'window row in /windows',
  durability: 'error record durable',
};

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 100 ? 1 : 0) : '—');
export const rateLabel = (rate: number): string => (rate === 0 ? 'saturation' : `${si(rate)}/s`);

/** `12.0 / 23.5 / 31.0`: the medians over the runs of each run's p50, p99 and max. */
function cell(m: LatencyScenario, measure: LatencyMeasure): string {
  const figs = m.runs.map((r) => latencyFiguresOf(r, measure));
  if (figs.every((f) => f === null)) return 'n/a';
  const med = (pick: (f: NonNullable<(typeof figs)[number]>) => number) => summarize(figs.map((f) => (f ? pick(f) : Number.NaN))).median;
  const missing = figs.reduce((a, f) => a + (f?.missing ?? 0), 0);
  const samples = figs.reduce((a, f) => a + (f?.samples ?? 0), 0);
  return `${ms(med((f) => f.p50Ms))} / ${ms(med((f) => f.p99Ms))} / ${ms(med((f) => f.maxMs))}${samples === 0 ? ' (none)' : ''}${missing ? ` **${missing} missing**` : ''}`;
}

function row(m: Measured<LatencyScenario>): string {
  if (m.status !== 'measured') return `| ${m.fatal ? '**NOT MEASURED**' : 'not measured'}: ${reasonLine(m.reason)} | | | | | | | |`;
  const mismatches = m.runs.reduce((a, r) => a + (r.windowCountMismatches ?? 0), 0);
  const cpu = summarize(m.runs.map((r) => r.cpuPercent)).median;
  return `| ${m.source ?? 'tcp-listen'} | ${rateLabel(m.rate)} (achieved ${si(summarize(m.runs.map((r) => r.achievedRate)).median)}) | ${LATENCY_MEASURES.map((x) => cell(m, x)).join(' | ')} | ${cpu.toFixed(0)} %${mismatches ? `, **${mismatches} window counts wrong**` : ''} |`;
}

/**
 * The section's lines. `from`: the results it is taken from when they are not the page's own (a later run of the
 * latency suite alone), with their file relative to RESULTS.md.
 */
export function latencySection(r: BenchResults, from?: { results: BenchResults; jsonRel: string }): string[] {
  const src = from?.results ?? r;
  const L: string[] = ['## Latency, per source and rate (c)', ''];
  if (from) {
    const q = src.quick ? '`--quick` ' : '';
    L.push(`> From a later ${q}run of this suite alone (${src.only ? `\`--only ${src.only.join(',')}\`` : 'full'}), ${src.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit \`${src.machine.gitCommit.slice(0, 12)}\`${src.machine.gitDirty ? ' (with uncommitted changes)' : ''}, load average ${src.machine.loadAvgAtStart.join(' / ')} at start and ${src.loadAvgAtEnd.join(' / ')} at end on ${src.machine.cpus} cores${src.machine.loadAvgAtStart[0]! > src.machine.cpus ? ': **a heavily loaded machine, noisy numbers**' : ''}. Raw runs: [\`${from.jsonRel}\`](${from.jsonRel}).`, '');
  }
  else if (r.latencyFrom) {
    const f = r.latencyFrom;
    L.push(`> Not run again in this full run (\`--reuse-latency\`): copied from the run of ${f.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit \`${f.gitCommit.slice(0, 12)}\`. Raw runs: [\`results/${f.file}\`](results/${f.file}).`, '');
  }
  L.push('![Latency against throughput, per source](latency-chart.svg)', '');
  L.push(`Each cell: p50 / p99 / max in ms (median of the runs' figures). ${LATENCY_MEASURES.map((x) => `**${MEASURE_NAMES[x]}**`).join(', ')}.`, '');
  L.push(`| source | rate | ${LATENCY_MEASURES.map((x) => MEASURE_NAMES[x]).join(' | ')} | daemon CPU |`, `|---|---|${LATENCY_MEASURES.map(() => '---|').join('')}---|`);
  for (const l of src.e2e.latency) L.push(row(l));
  const any = src.e2e.latency.find((l) => l.status === 'measured');
  if (any?.status === 'measured') {
    L.push('', `How: ${any.how}.`, '');
    L.push(
      `Reading it: the alert is timed from the line that makes the 101st error of its (window, status), the window row from the line after which the watermark passes the window's end on every stream (Kafka partition), the error record from its own line. **Durability is bounded by \`output.rotateEvery\` by design** (${any.rotateEveryMs / 1000} s here): a record waits for the next rotation, so its p50 is about half the rotation and its p99 just under it. emitted_at is the daemon's wall clock at millisecond resolution against the driver's Date.now() (one machine, one clock); everything else is on the monotonic clock. The /windows poll adds up to 10 ms. At saturation the driver writes as fast as the source takes lines; a Kafka topic takes them faster than the daemon reads, so a backlog (and the latency) grows with the run's length. A run whose figures show "n/a" could not observe that measure (no broker for the alerts topic).`,
    );
  }
  L.push('');
  return L;
}

/** Issue 18's targets from `from` (a later latency-only run), labelled, for the targets table. */
export function laterLatencyTargets(from: BenchResults): Target[] {
  return evaluateKafkaLatencyTargets(from, from.quick ? ' (later --quick run, see the latency section)' : ' (later run, see the latency section)');
}
