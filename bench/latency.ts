// Scenario c, latency (issue 5's targets at 1,000 lines/s over tcp-listen; issue 18: every source, every rate).
// A driver process (latency-driver.ts) writes the lines of latency-lines.ts into the source under test — stdin,
// tcp-listen, or a Kafka topic of 1 or 3 partitions — at a fixed rate or at saturation, stamping each line's write
// on its own clocks. From that stamp the scenario times (see LATENCY_MEASURES in results.ts):
// - console: the daemon's console alert line for the crossing's (window, status) reaching us on its stdout;
// - emitted: the alert's `emitted_at` (read from /alerts after the run; wall clock against the driver's
//   Date.now(): both clocks are this machine's, at millisecond resolution);
// - topic: the alert arriving on the alerts topic (a consumer here; for stdin and tcp-listen the daemon gets the
//   bench's broker as `kafka.brokers`), when a broker runs;
// - windows: the window's summary row first seen by a 10 ms poll of /windows, from the line that closes the window;
// - durability: the error record's file first seen complete in errors/ (fs.watch plus a 5 ms poll), read after
//   the run; bounded below by the rotation, by design.
// Monotonic times share one clock (hrtime: CLOCK_MONOTONIC) across processes. The scenario waits one rotation after the last line so
// every record becomes durable through a regular rotation, not the shutdown flush.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createTopic, deleteTopic } from '../test/support/kafka.js';
import { freePort } from '../test/support/net.js';
import { ProcessTreeMonitor } from '../test/support/proc-tree.js';
import { sleep } from '../test/support/wait.js';
import { Daemon, nowMs, scratchDir } from './daemon.js';
import type { DriverInput, DriverMessage, DriverOutput } from './latency-driver.js';
import { alertKeyOfConsoleLine, alertTriggers, lineDesign, statusOf, windowClosers, windowKeyOfIso } from './latency-lines.js';
import { AlertTopicWatcher, CompletedFileWatcher, WindowsPoller } from './latency-observers.js';
import type { DriverTarget } from './latency-writers.js';
import type { LatencyFigures, LatencyMeasure, LatencyRun, LatencySource } from './results.js';
import { percentile } from './stats.js';

export interface LatencyOptions {
  source: LatencySource;
  /** Lines per second; 0: saturation. */
  rate: number;
  /** Fixed rates: how long lines flow. */
  seconds: number;
  /** Saturation: how many lines. */
  saturationLines: number;
  rotateEveryMs: number;
  /** The bench's broker (`host:port`): needed by the Kafka sources, and for the alerts topic of every source. */
  brokers: string | null;
}

/** The design's nominal rate at saturation: a window per ~0.12 s at 1 M lines/s. */
const SATURATION_DESIGN_RATE = 1_000_000;
const WINDOWS_POLL_MS = 10;

export const latencyHow = (rotateEveryMs: number): string =>
  `a driver process writes seed-shaped JSON lines at the rate (saturation: as fast as the source takes them) into the source (2 workers, rotateEvery ${rotateEveryMs / 1000} s, errors_per_status at 100, early alerts, the API on), stamping each line's write; alert console = the console alert line read from the daemon's stdout, emitted = the alert's emitted_at (daemon wall clock) against the write's Date.now(), topic = the alert's arrival on the alerts topic (a consumer in the bench), /windows = the window's summary row first seen by a ${WINDOWS_POLL_MS} ms poll of /windows from the line that closes the window, durability = the error record's file first seen complete in errors/; each minus the time the crossing (or closing, or error) line was written; CPU % of the daemon while lines flow`;

/** Math.max without spreading (hundreds of thousands of samples would overflow the call stack). */
function maxOf(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.max(a, b), -Infinity);
}

const figures = (values: number[], missing: number): LatencyFigures => ({ p50Ms: percentile(values, 50), p99Ms: percentile(values, 99), maxMs: maxOf(values), samples: values.length, missing });

function configYaml(o: LatencyOptions, alertsTopic: string | null): string {
  return [
    'format: json',
    `output: { rotateEvery: ${o.rotateEveryMs} }`,
    `alerts: { early: true, rules: [ { type: errors_per_status, threshold: 100 } ]${alertsTopic ? `, kafkaTopic: ${alertsTopic}` : ''} }`,
    ...(alertsTopic && !o.source.startsWith('kafka') ? [`kafka: { brokers: '${o.brokers}' }`] : []),
    '',
  ].join('\n');
}

/**
 * Runs the driver process; `onStart` is called when it is connected and about to write its first line. It is put
 * in `spawned`, for the scenario to kill if it fails first.
 */
function runDriver(input: DriverInput, onStart: () => void, spawned: ChildProcess[]): Promise<DriverOutput> {
  const driver = fileURLToPath(new URL('./latency-driver.ts', import.meta.url));
  // tsx resolved from here, so the driver loads whatever the current directory.
  const child = fork(driver, [], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  spawned.push(child);
  child.send(input);
  return new Promise((resolve, reject) => {
    let answered = false;
    child.on('message', (m: DriverMessage) => {
      if ('started' in m) return onStart();
      answered = true;
      if (m.ok) resolve(m.out);
      else reject(new Error(`latency driver: ${m.error}`));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!answered) reject(new Error(`latency driver exited ${code ?? signal} without an answer`));
    });
  });
}

/** The daemon's source URI, the driver's target, the number of input streams and the topics to delete after. */
async function sourceSetup(o: LatencyOptions, dir: string): Promise<{ uri: string; target: DriverTarget; streams: number; fifo?: string; topics: string[] }> {
  if (o.source === 'tcp-listen') {
    const port = await freePort();
    return { uri: `tcp-listen://127.0.0.1:${port}`, target: { kind: 'tcp', port }, streams: 1, topics: [] };
  }
  if (o.source === 'stdin') {
    const fifo = join(dir, 'stdin.fifo');
    execFileSync('mkfifo', [fifo]);
    return { uri: 'stdin:', target: { kind: 'fifo', path: fifo }, streams: 1, fifo, topics: [] };
  }
  if (o.brokers === null) throw new Error('no Kafka broker');
  const partitions = o.source === 'kafka-3' ? 3 : 1;
  const topic = await createTopic(o.brokers, partitions, 'latency');
  return { uri: `kafka://${o.brokers}/${topic}?group=${topic}&startingOffsets=earliest`, target: { kind: 'kafka', brokers: o.brokers, topic, partitions }, streams: partitions, topics: [topic] };
}

export async function latencyRun(o: LatencyOptions): Promise<LatencyRun> {
  const scratch = scratchDir(`latency-${o.source}-${o.rate}`);
  const setup = await sourceSetup(o, scratch.path);
  const alertsTopic = o.brokers === null ? null : await createTopic(o.brokers, 1, 'latency-alerts');
  if (alertsTopic) setup.topics.push(alertsTopic);
  const daemon = new Daemon({ source: setup.uri, dir: scratch.path, workers: 2, api: true, configYaml: configYaml(o, alertsTopic), ...(setup.fifo ? { stdinFifo: setup.fifo } : {}) });
  const assigned = setup.target.kind === 'kafka' ? daemon.logged('partitions assigned') : Promise.resolve();
  const monitor = new ProcessTreeMonitor(daemon.pid);
  const alertSeen = new Map<string, number>();
  daemon.onStdoutLine((line, at) => {
    const key = alertKeyOfConsoleLine(line);
    if (key !== null && !alertSeen.has(key)) alertSeen.set(key, at);
  });
  const errorsDir = join(daemon.outDir, 'errors');
  const watcher = new CompletedFileWatcher(errorsDir);
  let topicWatcher: AlertTopicWatcher | null = null;
  let poller: WindowsPoller | null = null;
  const drivers: ChildProcess[] = [];
  try {
    await daemon.started;
    // A Kafka source reads once the group has assigned it its partitions: before, lines would wait for that.
    await Promise.race([assigned, sleep(30_000).then(() => Promise.reject(new Error('the Kafka source got no partitions in 30 s')))]);
    const apiUrl = await daemon.apiUrl;
    if (o.brokers !== null && alertsTopic !== null) topicWatcher = await AlertTopicWatcher.start(o.brokers, alertsTopic);
    poller = new WindowsPoller(apiUrl, WINDOWS_POLL_MS);
    const lines = o.rate === 0 ? o.saturationLines : Math.round(o.rate * o.seconds);
    const design = lineDesign(o.rate === 0 ? SATURATION_DESIGN_RATE : o.rate, lines, Date.now());
    const stampsPath = join(scratch.path, 'stamps.f64');
    let cpu0 = Number.NaN;
    const driven = await runDriver({ target: setup.target, rate: o.rate, lines, design, stampsPath }, () => (cpu0 = monitor.sample()), drivers);
    const cpu = monitor.sample() - cpu0;
    const bytes = await readFile(stampsPath);
    // A copy: a Float64Array needs an 8-byte-aligned offset, which a Buffer from the pool may not have.
    const stamps = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const sent = stamps.subarray(0, lines);
    const sentWall = stamps.subarray(lines);
    // The span lines were flowing, from the driver's own clock (its thread's start-up is not in it).
    const sendSeconds = (sent[driven.sent - 1]! - driven.startMs) / 1000;
    // A daemon behind its input (a backlog in Kafka or in a socket) first catches up — every crossing's console
    // alert seen, for at most a minute — then gets one rotation to make every record durable.
    const triggers = alertTriggers(design, driven.sent);
    const behindUntil = nowMs() + 60_000;
    while (nowMs() < behindUntil && [...triggers.keys()].some((k) => !alertSeen.has(k))) await sleep(20);
    await sleep(o.rotateEveryMs + 500);
    poller.stop();
    const fired = (await (await fetch(`${apiUrl}/alerts?limit=10000`)).json()) as { rows: { window_start: string; group: string; emitted_at: string }[] };
    const stopAt = nowMs();
    const code = await daemon.stop();
    const stats = monitor.stop();
    watcher.stop();
    if (code !== 0) throw new Error(`daemon exited ${code}:\n${daemon.stderrTail}`);

    const durability: number[] = [];
    const durable = new Uint8Array(lines);
    for (const [name, at] of watcher.seen) {
      if (at > stopAt) continue; // completed by the shutdown flush, not by rotation
      const text = await readFile(join(errorsDir, name), 'utf8');
      for (const m of text.matchAll(/"id": (\d+)\}/g)) {
        const id = Number(m[1]);
        if (id < lines && !durable[id]) {
          durable[id] = 1;
          durability.push(at - sent[id]!);
        }
      }
    }
    let errorsSent = 0;
    for (let id = 0; id < driven.sent; id++) if (statusOf(design, id) >= 400) errorsSent++;

    const emittedAt = new Map(fired.rows.map((a) => [`${windowKeyOfIso(a.window_start)}|${a.group}`, Date.parse(a.emitted_at)]));
    const since = (seen: Map<string, number>, clock: Float64Array, of: Map<string, number>): number[] => {
      const out: number[] = [];
      for (const [key, id] of of) {
        const at = seen.get(key);
        if (at !== undefined) out.push(at - clock[id]!);
      }
      return out;
    };
    const alerts = since(alertSeen, sent, triggers);
    const emitted = since(emittedAt, sentWall, triggers);
    const topic = topicWatcher ? since(topicWatcher.seen, sent, triggers) : null;
    const closers = windowClosers(design, driven.sent, setup.streams, setup.target.kind === 'kafka' ? (id) => id % setup.streams : () => 0);
    const windowSeen = new Map([...poller.seen].map(([k, v]) => [k, v.at]));
    const windows = since(windowSeen, sent, closers);
    let windowCountMismatches = 0;
    for (const key of closers.keys()) {
      const row = poller.seen.get(key);
      if (row && row.requests !== design.linesPerWindow) windowCountMismatches++;
    }
    const measures: Record<LatencyMeasure, LatencyFigures | null> = {
      console: figures(alerts, triggers.size - alerts.length),
      emitted: figures(emitted, triggers.size - emitted.length),
      topic: topic === null ? null : figures(topic, triggers.size - topic.length),
      windows: figures(windows, closers.size - windows.length),
      durability: figures(durability, errorsSent - durability.length),
    };
    const lag = o.rate === 0 ? [] : Array.from({ length: driven.sent }, (_, id) => sent[id]! - (driven.startMs + (id * 1000) / o.rate));
    return {
      source: o.source,
      rate: o.rate,
      seconds: sendSeconds,
      achievedRate: driven.sent / sendSeconds,
      driverLagP99Ms: percentile(lag, 99),
      durabilityP50Ms: measures.durability!.p50Ms,
      durabilityP99Ms: measures.durability!.p99Ms,
      durabilityMaxMs: measures.durability!.maxMs,
      durabilitySamples: durability.length,
      durabilityMissing: measures.durability!.missing,
      alertP50Ms: measures.console!.p50Ms,
      alertP99Ms: measures.console!.p99Ms,
      alertMaxMs: measures.console!.maxMs,
      alertSamples: alerts.length,
      alertMissing: measures.console!.missing,
      cpuPercent: (cpu / sendSeconds) * 100,
      peakRssMb: stats.peakRssMb,
      measures,
      windowCountMismatches,
    };
  } finally {
    for (const d of drivers) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
    poller?.stop();
    watcher.stop();
    monitor.stop();
    await topicWatcher?.stop().catch(() => undefined);
    daemon.kill();
    await daemon.exited.catch(() => undefined);
    scratch.dispose();
    if (o.brokers !== null) for (const t of setup.topics) await deleteTopic(o.brokers, t).catch(() => undefined);
  }
}
