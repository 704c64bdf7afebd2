// `npm run bench`: every suite of issue 5, then bench/results/<date>-<host>.json, bench/RESULTS.md and
// bench/chart.svg (README shows them). It proves speed only; the tests prove correctness.
//
//   npm run bench                      full run: warm-up + 5 runs of every e2e number (3 of each latency), Spark
//                                      included, its curve too (~50 min: the latency suite is 16 scenarios, ~25 min)
//   npm run bench -- --quick           ~5 min smoke run: 1 run each, small sizes, Spark skipped (said so); its
//                                      latency suite alone (--only latency) takes ~3 min
//   npm run bench -- --only file,tcp   some suites: micro gen file tcp latency kafka peers (and soak, below)
//   npm run bench:soak                 the soak suite alone (issue 20; = --only soak), NOT part of the full run: 30 min
//                                      per scenario (generator at 10 % and 50 % errors, file, tcp-listen and Kafka at
//                                      10 %: 2.5 hours); --quick: 2 min each (~12 min). --soak-minutes N,
//                                      --soak-rate N (lines/s, default 10,000), --soak-sources generator,file,…,
//                                      --soak-errors 0.1,0.5 (every source at each). It writes
//                                      bench/results/<date>-<host>-soak-<mode>-<HHMM>.json (committed, whatever the mode,
//                                      which the page labels), then RESULTS.md's soak section and soak-chart.svg
//   npm run bench -- --report          only regenerate RESULTS.md and the charts from the newest full results file
//                                      (and the latency per source from a later results file that has it, labelled)
//   other flags: --runs N, --lines N (main dataset, default 10,000,000: issue 15's size), --spark-lines N (Spark's
//                dataset, default 200,000), --spark-curve N,N (issue 15: Spark from files again at these sizes, default
//                2,000,000 and 10,000,000; `--spark-curve none` skips it), --no-spark, --reuse-latency (a full run
//                that copies the latency suite's results from the newest committed results that have them instead
//                of running it for 25 minutes; RESULTS.md names that file and its commit)
//
// Where results go (the soak's aside): only a complete full run (no --quick, no --only) writes the committed bench/results/,
// RESULTS.md and chart.svg; anything else writes the same three files under bench/.cache/quick/ (git-ignored).
// Exit code: 0, or 1 when anything was NOT MEASURED for a reason an operator must act on (a peer that cannot be
// installed or fails, a scenario that fails) — after every file is written and a banner printed. Planned gaps
// (Spark under --quick or --no-spark) are reported but do not fail the run; a Kafka broker that cannot start does.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';

import { CLI } from '../test/support/paths.js';
import { datasetGenArgs, writeDataset, type Dataset } from './dataset.js';
import { scratchDir } from './daemon.js';
import { FILE_SCENARIO_HOW, fileThroughput } from './e2e-file.js';
import { BROKERS, KAFKA_SCENARIO_HOW, kafkaThroughput, kafkaUnavailableReason, stopKafka } from './e2e-kafka.js';
import { TCP_SCENARIO_HOW, tcpThroughput } from './e2e-tcp.js';
import { genSuite } from './gen-throughput.js';
import { latencyHow, latencyRun, type LatencyOptions } from './latency.js';
import { distStamp, machineInfo } from './machine.js';
import { microSuites } from './micro.js';
import { banner, peersSuite } from './peers-suite.js';
import { writeReport } from './report.js';
import { defaultScenarios, soakSuite } from './soak.js';
import { bestSoakRuns, saveSoakResults, SOAK_SOURCES, type SoakSource } from './soak-results.js';
import { type BenchResults, BENCH_DIR, hasLatencyPerSource, LATENCY_SOURCES, type LatencyScenario, type Measured, newestResults, notMeasured, QUICK_DIR, reasonLine, RESULTS_DIR, saveResults, type ThroughputRun, type ThroughputScenario } from './results.js';
import { si, summarizeFields } from './stats.js';
import { evaluateTargets } from './targets.js';

/** Scenario c's rates (lines/s): issue 5's 1,000, ten and a hundred times more, and saturation (0). */
const LATENCY_RATES = [1000, 10_000, 100_000, 0] as const;
/** Latency runs per (source, rate) in a full run: 16 of them, so fewer than the throughput numbers. */
const LATENCY_RUNS = 3;
const SUITES = ['micro', 'gen', 'file', 'tcp', 'latency', 'kafka', 'peers', 'soak'] as const;
type Suite = (typeof SUITES)[number];
/** Hours long: run only when asked for by name (--only soak, npm run bench:soak), never by a full run. */
const ON_REQUEST: readonly Suite[] = ['soak'];

function flag(name: string): string | undefined {
  const i = process.argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = process.argv[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : (process.argv[i + 1] ?? '');
}
const has = (name: string) => process.argv.includes(`--${name}`);
const num = (name: string, fallback: number) => (flag(name) === undefined ? fallback : Number(flag(name)));

const quick = has('quick');
const only = flag('only')?.split(',').map((s) => s.trim()) as Suite[] | undefined;
for (const s of only ?? []) {
  if (!SUITES.includes(s)) {
    process.stderr.write(`--only: unknown suite '${s}' (one of ${SUITES.join(', ')})\n`);
    process.exit(2);
  }
}
const runs = num('runs', quick ? 1 : 5);
const warmupRuns = quick ? 0 : 1;
const reuseLatency = has('reuse-latency');
const wants = (s: Suite) => (s === 'latency' && reuseLatency ? false : !only ? !ON_REQUEST.includes(s) : only.includes(s));
const log = (m: string) => process.stderr.write(`${m}\n`);

async function repeat<T>(what: string, fn: (warmup: boolean) => Promise<T>, describe: (t: T) => string, n = runs): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < warmupRuns + n; i++) {
    const warm = i < warmupRuns;
    const t = await fn(warm);
    log(`${what} ${warm ? 'warm-up' : `run ${i - warmupRuns + 1}/${n}`}: ${describe(t)}`);
    if (!warm) out.push(t);
  }
  return out;
}

const describeRun = (r: ThroughputRun) => `${si(r.linesPerSecond)} lines/s, ${r.mbPerSecond.toFixed(0)} MB/s, CPU ${r.cpuPercent.toFixed(0)} %, ${r.peakRssMb.toFixed(0)} MB`;

/** A scenario that throws is NOT MEASURED (fatal), loudly, and the run goes on with the others. */
async function guarded<T>(what: string, fn: () => Promise<Measured<T>>): Promise<Measured<T>> {
  try {
    return await fn();
  } catch (err) {
    const reason = (err as Error).stack ?? String(err);
    banner(what, reason);
    return notMeasured(`failed: ${(err as Error).message}`, true);
  }
}

async function throughputScenario(title: string, how: string, fn: () => Promise<ThroughputRun>): Promise<Measured<ThroughputScenario>> {
  return guarded(title, async () => {
    const rs = await repeat(title, fn, describeRun);
    return { status: 'measured', title, how, warmupRuns, runs: rs, summary: summarizeFields(rs, ['linesPerSecond', 'mbPerSecond', 'cpuPercent', 'peakRssMb'] as const) };
  });
}

const rateName = (rate: number) => (rate === 0 ? 'saturation' : `${rate.toLocaleString('en-US')} lines/s`);
const latencyTitle = (o: Pick<LatencyOptions, 'source' | 'rate'>) => `c. latency, ${o.source}, ${rateName(o.rate)}`;
const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(v < 100 ? 1 : 0));

async function latencyScenario(o: LatencyOptions): Promise<Measured<LatencyScenario>> {
  const title = latencyTitle(o);
  return guarded(title, async () => {
    // The warm-up only needs the daemon and its JIT warm, not a full-length run.
    const rs = await repeat(title, (warm) => latencyRun(warm ? { ...o, seconds: Math.min(o.seconds, 5), saturationLines: Math.min(o.saturationLines, 200_000) } : o), (r) => {
      const m = r.measures!;
      const missing = Object.values(m).reduce((a, f) => a + (f?.missing ?? 0), 0);
      return `p99 ms: console ${ms(m.console?.p99Ms)}, emitted ${ms(m.emitted?.p99Ms)}, topic ${ms(m.topic?.p99Ms)}, /windows ${ms(m.windows?.p99Ms)}, durability ${ms(m.durability?.p99Ms)} (${r.alertSamples} alerts${missing ? `, ${missing} MISSING` : ''}), achieved ${si(r.achievedRate)}/s, CPU ${r.cpuPercent.toFixed(0)} %`;
    }, quick ? runs : Math.min(runs, LATENCY_RUNS));
    const summary = summarizeFields(rs, ['durabilityP50Ms', 'durabilityP99Ms', 'alertP50Ms', 'alertP99Ms', 'cpuPercent', 'peakRssMb', 'achievedRate'] as const);
    return { status: 'measured', title, how: latencyHow(o.rotateEveryMs), source: o.source, rate: o.rate, rotateEveryMs: o.rotateEveryMs, warmupRuns, runs: rs, summary };
  });
}

/** Every (source, rate) of scenario c; the Kafka sources NOT MEASURED when the broker is not up (`brokers` null). */
async function latencySuite(brokers: string | null, brokerReason: string | null): Promise<Measured<LatencyScenario>[]> {
  // Rotation at the default 10 s in a full run (durability is bounded by it, and each run waits one after its
  // last line); 2 s in --quick, which keeps the whole suite near 3-4 minutes.
  const rotateEveryMs = quick ? 2000 : 10_000;
  const out: Measured<LatencyScenario>[] = [];
  for (const source of LATENCY_SOURCES) {
    for (const rate of LATENCY_RATES) {
      if (source.startsWith('kafka') && brokers === null) {
        out.push({ ...notMeasured(`${latencyTitle({ source, rate })}: no Kafka broker: ${brokerReason ?? ''}`, true) });
        continue;
      }
      const seconds = quick ? (rate === 1000 ? 3 : 2) : rate === 1000 ? 20 : 10;
      out.push(await latencyScenario({ source, rate, seconds, saturationLines: quick ? 200_000 : 2_000_000, rotateEveryMs, brokers }));
    }
  }
  return out;
}

const notRun = () => notMeasured(`not run (--only ${only?.join(',')})`, false);

/** RESULTS.md (with its soak section) and the charts, from the newest full run and the committed soak runs. */
function regenerateReport(): string {
  const newest = newestResults(RESULTS_DIR);
  if (!newest) throw new Error(`no results file in ${RESULTS_DIR}`);
  // The latency per source may come from a later run of that suite alone (labelled as such in RESULTS.md).
  const latency = newestResults(RESULTS_DIR, hasLatencyPerSource);
  const laterLatency = latency && latency.results.finishedAt > newest.results.finishedAt ? latency : undefined;
  writeReport(BENCH_DIR, newest.results, newest.path, laterLatency, bestSoakRuns(RESULTS_DIR));
  return `RESULTS.md, chart.svg, latency-chart.svg and soak-chart.svg regenerated from ${newest.path}${laterLatency ? ` and (latency per source) ${laterLatency.path}` : ''} and the soak runs in ${RESULTS_DIR}`;
}

/** The soak suite (issue 20); its results are committed whatever the mode (labelled), and RESULTS.md regenerated. */
async function soak(): Promise<void> {
  const sources = (flag('soak-sources')?.split(',').map((s) => s.trim()) ?? [...SOAK_SOURCES]) as SoakSource[];
  for (const s of sources) {
    if (!SOAK_SOURCES.includes(s)) {
      process.stderr.write(`--soak-sources: unknown source '${s}' (one of ${SOAK_SOURCES.join(', ')})\n`);
      process.exit(2);
    }
  }
  const errors = flag('soak-errors')?.split(',').map(Number);
  if (errors?.some((e) => !(e >= 0 && e <= 1))) {
    process.stderr.write(`--soak-errors: fractions between 0 and 1, e.g. 0.1,0.5\n`);
    process.exit(2);
  }
  // Default: every source at 10 % errors, the generator at 50 % as well.
  const scenarios = errors ? defaultScenarios(sources, errors) : [...defaultScenarios(sources, [0.1]), ...(sources.includes('generator') ? [{ source: 'generator' as const, errorRate: 0.5 }] : [])];
  scenarios.sort((a, b) => SOAK_SOURCES.indexOf(a.source) - SOAK_SOURCES.indexOf(b.source) || a.errorRate - b.errorRate);
  const minutes = num('soak-minutes', quick ? 2 : 30);
  const rate = num('soak-rate', 10_000);
  if (!(minutes > 0) || !(rate > 0)) {
    process.stderr.write('--soak-minutes and --soak-rate: positive numbers\n');
    process.exit(2);
  }
  const results = await soakSuite({ scenarios, minutes, rate, quick: quick && flag('soak-minutes') === undefined, log });
  const path = saveSoakResults(RESULTS_DIR, results);
  log(`soak results: ${path}`);
  if (newestResults(RESULTS_DIR)) log(regenerateReport());
  for (const f of results.failed) banner(`soak ${f.scenario}`, f.reason);
  if (results.failed.length > 0) process.exitCode = 1;
}

async function main(): Promise<number> {
  if (has('report')) {
    log(regenerateReport());
    return 0;
  }
  if (!existsSync(CLI)) {
    log(`${CLI} is missing: build first (npm ci, or npm run build)`);
    return 2;
  }
  if (wants('soak')) {
    await soak();
    if (only?.every((s) => s === 'soak')) return Number(process.exitCode ?? 0);
  }
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const distAtStart = distStamp();
  log(`logpulse bench${quick ? ' --quick' : ''} on ${machine.host} (${machine.cpus} × ${machine.cpuModel}), load ${machine.loadAvgAtStart.join(' ')}`);
  const scratch = scratchDir('data');
  try {
    const lines = num('lines', quick ? 1_000_000 : 10_000_000);
    // Only the file-fed suites read it (the latency suite writes its own lines): `--only latency` skips it.
    const needsData = wants('file') || wants('tcp') || wants('kafka') || wants('peers');
    const data: Dataset = needsData ? await writeDataset(scratch.path, lines) : { path: '', lines: 0, bytes: 0, genArgs: datasetGenArgs(0) };
    // Spark handles thousands of lines/s on this kind of machine: its runs get a smaller file (same generator,
    // the first N lines of the same stream), or one run would take an hour.
    const skipSpark = quick ? 'skipped in --quick (JVM start-up alone is ~15 s; run `npm run bench` for Spark)' : has('no-spark') ? 'skipped by --no-spark' : null;
    const sparkLines = num('spark-lines', 200_000);
    const sparkData: Dataset = sparkLines === lines || skipSpark !== null || !wants('peers') ? data : await writeDataset(scratch.path, sparkLines);
    const curveFlag = flag('spark-curve');
    const curveLines = skipSpark !== null || !wants('peers') || curveFlag === 'none' ? [] : (curveFlag?.split(',').map(Number) ?? [2_000_000, 10_000_000]).sort((a, b) => a - b);
    if (curveLines.some((n) => !(Number.isInteger(n) && n > 0))) {
      process.stderr.write('--spark-curve: line counts, e.g. 2000000,10000000 (or none)\n');
      return 2;
    }
    const curveData: Dataset[] = [];
    for (const n of curveLines) curveData.push(n === lines ? data : n === sparkData.lines ? sparkData : await writeDataset(scratch.path, n));
    if (needsData) log(`dataset: ${data.lines.toLocaleString('en-US')} lines (${(data.bytes / 1e6).toFixed(0)} MB)${sparkData !== data ? `; Spark's: ${sparkData.lines.toLocaleString('en-US')} lines` : ''}${curveLines.length ? `; Spark's curve: ${curveLines.map((n) => n.toLocaleString('en-US')).join(', ')} lines` : ''}`);

    const micro = [...(wants('micro') ? await microSuites(quick) : []), ...(wants('gen') ? await genSuite(quick ? 1_000_000 : 20_000_000, quick ? 1 : runs) : [])];
    if (micro.length) console.table(micro.map((m) => ({ task: m.task, [`per s`]: `${si(m.itemsPerSecond)} ${m.unit}s`, 'ns/item': +m.nsPerItem.median.toFixed(1) })));

    const file = wants('file') ? await throughputScenario('a. file → daemon', FILE_SCENARIO_HOW, () => fileThroughput(data)) : notRun();
    const tcp = wants('tcp') ? await throughputScenario('b. gen → TCP → daemon', TCP_SCENARIO_HOW, () => tcpThroughput(data)) : notRun();
    // One broker for the Kafka sources of scenario c, their alerts topics, and scenario d; stopped after both.
    const brokerReason = wants('latency') || wants('kafka') ? await kafkaUnavailableReason() : null;
    const brokers = brokerReason === null && (wants('latency') || wants('kafka')) ? BROKERS : null;
    const reused = reuseLatency ? newestResults(RESULTS_DIR, hasLatencyPerSource) : null;
    if (reuseLatency && !reused) throw new Error(`--reuse-latency: no results file in ${RESULTS_DIR} has the latency suite per source`);
    let latency: Measured<LatencyScenario>[] = reused ? reused.results.e2e.latency : [notRun()];
    let kafka: Measured<ThroughputScenario> = notRun();
    try {
      if (wants('latency')) latency = await latencySuite(brokers, brokerReason);
      if (wants('kafka')) kafka = brokers === null ? notMeasured(brokerReason ?? 'no broker', true) : await throughputScenario('d. Kafka → daemon', KAFKA_SCENARIO_HOW, () => kafkaThroughput(data));
    } finally {
      if (brokers !== null) stopKafka();
    }
    const peers: BenchResults['peers'] = wants('peers')
      ? await guarded('peers suite', async () => ({ status: 'measured' as const, ...(await peersSuite({ runs, warmupRuns, data, sparkData, skipSpark, sparkCurve: curveData })) })).then((m) =>
          m.status === 'measured' ? { naive: m.naive, sparkFile: m.sparkFile, sparkSocket: m.sparkSocket, sparkFileCurve: m.sparkFileCurve } : { naive: m, sparkFile: m, sparkSocket: m },
        )
      : { naive: notRun(), sparkFile: notRun(), sparkSocket: notRun() };

    const results: BenchResults = {
      schema: 1,
      quick,
      only: only ?? null,
      runs,
      warmupRuns,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      loadAvgAtEnd: loadavg().map((v) => +v.toFixed(2)),
      distRebuiltDuringRun: distStamp() !== distAtStart,
      dataset: { lines: data.lines, bytes: data.bytes, gen: data.genArgs.join(' ') },
      sparkDataset: { lines: sparkData.lines, bytes: sparkData.bytes, gen: sparkData.genArgs.join(' ') },
      micro,
      e2e: { file, tcp, latency, kafka },
      peers,
      ...(reused ? { latencyFrom: { file: basename(reused.path), startedAt: reused.results.startedAt, gitCommit: reused.results.machine.gitCommit } } : {}),
      targets: [],
      notMeasured: [],
    };
    results.targets = evaluateTargets(results);
    const named: [string, Measured<unknown>][] = [['a. file → daemon', file], ['b. gen → TCP → daemon', tcp], ...latency.map((l, i): [string, Measured<unknown>] => [wants('latency') ? latencyTitle({ source: LATENCY_SOURCES[Math.floor(i / LATENCY_RATES.length)]!, rate: LATENCY_RATES[i % LATENCY_RATES.length]! }) : 'c. latency', l]), ['d. Kafka → daemon', kafka], ['naive Node.js peer', peers.naive], ['Spark peer, files', peers.sparkFile], ['Spark peer, socket', peers.sparkSocket], ...(peers.sparkFileCurve ?? []).map((m, i): [string, Measured<unknown>] => [`Spark peer, files, ${curveLines[i]!.toLocaleString('en-US')} lines`, m])];
    for (const [what, m] of named) if (m.status === 'not-measured') results.notMeasured.push({ what, reason: m.reason, fatal: m.fatal });

    const official = !quick && !only;
    const dir = official ? RESULTS_DIR : QUICK_DIR;
    const path = saveResults(dir, results);
    writeReport(official ? BENCH_DIR : QUICK_DIR, results, path);
    console.table(results.targets.map((t) => ({ target: `${t.met === null ? '·' : t.met ? 'MET' : 'MISSED'} ${t.target}`, what: t.what, measured: t.measured, gap: t.gap })));
    log(`results: ${path}\nreport:  ${join(official ? BENCH_DIR : QUICK_DIR, 'RESULTS.md')}, chart.svg and latency-chart.svg${official ? '' : ' (not the committed ones: quick or partial run)'}`);
    if (results.distRebuiltDuringRun) banner('dist/ was rebuilt during this run', 'a build or test run in the same checkout? The numbers may mix two builds: run again.', 'WARNING');
    const fatal = results.notMeasured.filter((n) => n.fatal);
    for (const n of results.notMeasured) (n.fatal ? banner : (w: string, r: string) => log(`not measured (planned/skipped): ${w}: ${r}`))(n.what, reasonLine(n.reason));
    return fatal.length > 0 ? 1 : 0;
  } finally {
    scratch.dispose();
  }
}

process.exitCode = await main();
