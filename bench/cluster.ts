// `npm run bench:cluster [-- LINES PAIRS LATENCY_SECONDS PARTS]` (default 10,000,000, 3, 120, all of
// throughput,traffic,latency): issue 19's targets for cluster
// mode, on the bench's broker (port 49092, LOGPULSE_BENCH_KAFKA_PORT moves it):
//   1. throughput, one daemon, cluster mode on against off: a 3-partition topic of LINES seed-shaped lines read to its
//      end (`endingOffsets=latest`, 2 workers, default config but `cluster.enabled`), spawn to exit, runs alternated
//      after an untimed warm-up run (the broker's first group join), PAIRS pairs; the ratio of the medians (target
//      >= 95 %);
//   2. the state topic's traffic of one daemon fed 100,000 lines/s for 30 s (what its session published, keys and
//      values before compression, over the seconds it ran);
//   3. group-wide alert latency: 3 daemons, 6 partitions, 1,000 lines/s in real time for LATENCY_SECONDS, each line's
//      event time its production time; 5-second windows and errors_per_status > 10, so each (window, error status)
//      crosses once, on the 11th error of that status in that window counted over all partitions. Latency = the
//      alert's emitted_at minus that record's time (same clock: one machine). p50, p99, max (target p99 <= 250 ms).
// Prints a table; raw figures in bench/results/<date>-cluster.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type * as RdKafka from 'node-rdkafka';

import { lines, readKind } from '../test/e2e/helpers.js';
import { type CliProcess, spawnCli, waitForLog } from '../test/support/cli.js';
import { createTopic, deleteTopic, readTopic } from '../test/support/kafka.js';
import { ProcessTreeMonitor } from '../test/support/proc-tree.js';
import { sleep, until } from '../test/support/wait.js';
import { scratchDir } from './daemon.js';
import { BROKERS, kafkaUnavailableReason, stopKafka } from './e2e-kafka.js';
import { machineInfo } from './machine.js';
import { percentile } from './stats.js';
import { rdkafka } from '../src/kafka/rdkafka.js';

const [linesArg, pairsArg, latencyArg, partsArg] = process.argv.slice(2);
const LINES = Number(linesArg ?? 10_000_000);
const PARTS = new Set((partsArg ?? 'throughput,traffic,latency').split(','));
const PAIRS = Number(pairsArg ?? 3);
const LATENCY_SECONDS = Number(latencyArg ?? 120);
const here = fileURLToPath(new URL('.', import.meta.url));

interface ThroughputRun {
  cluster: boolean;
  seconds: number;
  linesPerSecond: number;
  peakRssMb: number;
}

function config(dir: string, name: string, extra: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `console:\n  enabled: false\n${extra}`);
  return path;
}

function daemon(dir: string, cfg: string, source: string, name: string): CliProcess {
  return spawnCli(['run', '-c', cfg, '--no-api', '--workers', '2', '--source', source, '--output', join(dir, name), '--checkpoint', join(dir, `${name}-ckpt`)], { cwd: dir });
}

async function throughput(dir: string): Promise<ThroughputRun[]> {
  const topic = await createTopic(BROKERS, 3, 'bench-cluster');
  try {
    const gen = spawnCli(['gen', '--rate', '0', '--count', String(LINES), '--seed', '7', '--out', `kafka://${BROKERS}/${topic}`], { stdout: 'ignore' });
    if ((await gen.exit) !== 0) throw new Error(`gen: ${gen.stderr().slice(-2000)}`);
    const runs: ThroughputRun[] = [];
    // Untimed: a broker's first consumer group join after its start takes about 3 s here (its offsets topic loads),
    // which would land on whichever run comes first.
    const warm = daemon(dir, config(dir, 'warm-up', ''), `kafka://${BROKERS}/${topic}?group=${topic}-warm-up&startingOffsets=latest&endingOffsets=latest`, 'warm-up');
    if ((await warm.exit) !== 0) throw new Error(`warm-up: ${warm.stderr().slice(-2000)}`);
    for (let i = 0; i < PAIRS * 2; i++) {
      const cluster = i % 2 === (Math.floor(i / 2) % 2 === 0 ? 0 : 1);
      const name = `t${i}-${cluster ? 'on' : 'off'}`;
      const cfg = config(dir, name, `cluster:\n  enabled: ${cluster}\n`);
      const started = performance.now();
      const d = daemon(dir, cfg, `kafka://${BROKERS}/${topic}?group=${topic}-${name}&startingOffsets=earliest&endingOffsets=latest`, name);
      const monitor = new ProcessTreeMonitor(d.child.pid!);
      const code = await d.exit;
      const seconds = (performance.now() - started) / 1000;
      const stats = monitor.stop();
      if (code !== 0) throw new Error(`${name} exited ${code}: ${d.stderr().slice(-2000)}`);
      runs.push({ cluster, seconds, linesPerSecond: LINES / seconds, peakRssMb: stats.peakRssMb });
      console.log(`  ${name}: ${(LINES / seconds / 1e6).toFixed(2)} M lines/s, ${seconds.toFixed(2)} s, peak RSS ${stats.peakRssMb.toFixed(0)} MB`);
    }
    return runs;
  } finally {
    await deleteTopic(BROKERS, topic).catch(() => undefined);
  }
}

/** The state traffic of one daemon in cluster mode fed `rate` lines/s for `seconds`. */
async function traffic(dir: string, rate: number, seconds: number): Promise<{ records: number; bytes: number; seconds: number; bytesPerSecond: number }> {
  const topic = await createTopic(BROKERS, 3, 'bench-cluster-traffic');
  try {
    const cfg = config(dir, 'traffic', 'cluster:\n  enabled: true\n');
    const d = daemon(dir, cfg, `kafka://${BROKERS}/${topic}?group=${topic}-g`, 'traffic');
    await waitForLog(d, 'partitions assigned', 60_000);
    const started = performance.now();
    const gen = spawnCli(['gen', '--rate', String(rate), '--count', String(rate * seconds), '--seed', '8', '--out', `kafka://${BROKERS}/${topic}`], { stdout: 'ignore' });
    if ((await gen.exit) !== 0) throw new Error(`gen: ${gen.stderr().slice(-2000)}`);
    await sleep(2000);
    d.child.kill('SIGTERM');
    if ((await d.exit) !== 0) throw new Error(`traffic daemon: ${d.stderr().slice(-2000)}`);
    const ran = (performance.now() - started) / 1000;
    const ended = d.stderr().split('\n').filter((l) => l.includes('cluster: session ended')).pop();
    const sent = (JSON.parse(ended ?? '{}') as { published?: { records: number; bytes: number } }).published;
    if (!sent) throw new Error(`no 'cluster: session ended' line: ${d.stderr().slice(-2000)}`);
    return { ...sent, seconds: ran, bytesPerSecond: sent.bytes / ran };
  } finally {
    await deleteTopic(BROKERS, topic).catch(() => undefined);
  }
}

const ERROR_STATUSES = [500, 502, 503, 504];
const THRESHOLD = 10;
const WINDOW_MS = 5000;

/** 1,000 lines/s over 6 partitions in real time, 5 % errors; each line's timestamp is the moment it is produced. */
async function latency(dir: string): Promise<{ samples: number[]; alerts: number; crossings: number }> {
  const partitions = 6;
  const topic = await createTopic(BROKERS, partitions, 'bench-cluster-latency');
  const names = ['a', 'b', 'c'];
  const cfg = config(
    dir,
    'latency',
    `output:\n  rotateEvery: 1s\ncluster:\n  enabled: true\npipeline:\n  window: 5s\nalerts:\n  rules:\n    - type: errors_per_status\n      threshold: ${THRESHOLD}\n`,
  );
  const daemons = names.map((n) => daemon(dir, cfg, `kafka://${BROKERS}/${topic}?group=${topic}-g`, `lat-${n}`));
  let producer: RdKafka.Producer | null = null;
  try {
    for (const d of daemons) await waitForLog(d, 'cluster: member of the group', 60_000);
    await until(() => 'partitions assigned', () => daemons.every((d) => d.stderr().includes('partitions assigned')), { ms: 60_000 });
    await sleep(5000);
    const p = new (rdkafka().Producer)({ 'metadata.broker.list': BROKERS, 'linger.ms': 0, 'socket.nagle.disable': true });
    producer = p;
    await new Promise<void>((resolve, reject) => p.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())));
    p.setPollInterval(10);
    const began = performance.now();
    let produced = 0;
    let seq = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - began;
        const due = Math.floor(elapsed); // 1 per ms = 1,000 lines/s
        for (; produced < due; produced++) {
          const n = seq++;
          const status = n % 20 === 0 ? ERROR_STATUSES[(n / 20) % ERROR_STATUSES.length]! : 200;
          const line = `{"timestamp": "${new Date().toISOString()}", "ip": "10.1.${n % 250}.${n % 200}", "method": "GET", "url": "/p${n % 50}", "status": ${status}}`;
          p.produce(topic, n % partitions, Buffer.from(line), null);
        }
        if (elapsed >= LATENCY_SECONDS * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    await new Promise<void>((resolve) => p.flush(10_000, () => resolve()));
    await sleep(3000);
    for (const d of daemons) d.child.kill('SIGTERM');
    for (const d of daemons) await d.exit;

    // The crossing record of each (window, status): the (threshold + 1)-th error of that status in event-time order.
    const errors = (await readTopic(BROKERS, topic, partitions))
      .flat()
      .map((v) => JSON.parse(v) as { timestamp: string; status: number })
      .filter((r) => r.status >= 500)
      .map((r) => ({ t: Date.parse(r.timestamp), status: r.status }))
      .sort((x, y) => x.t - y.t);
    const seen = new Map<string, number>();
    const crossing = new Map<string, number>();
    for (const e of errors) {
      const key = `${new Date(Math.floor(e.t / WINDOW_MS) * WINDOW_MS).toISOString()}|${e.status}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n === THRESHOLD + 1) crossing.set(key, e.t);
    }
    const alerts = names.flatMap((n) => lines(readKind(join(dir, `lat-${n}`), 'alerts')).map((l) => JSON.parse(l) as { window_start: string; group: string; emitted_at: string }));
    const samples = alerts.flatMap((a) => {
      const t = crossing.get(`${a.window_start}|${a.group}`);
      return t === undefined ? [] : [Date.parse(a.emitted_at) - t];
    });
    return { samples: samples.sort((x, y) => x - y), alerts: alerts.length, crossings: crossing.size };
  } finally {
    if (producer) await new Promise<void>((resolve) => producer!.disconnect(() => resolve()));
    for (const d of daemons) if (d.child.exitCode === null) d.child.kill('SIGKILL');
    await deleteTopic(BROKERS, topic).catch(() => undefined);
  }
}

const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

async function main(): Promise<void> {
  const reason = await kafkaUnavailableReason();
  if (reason !== null) throw new Error(`no broker: ${reason}`);
  const scratch = scratchDir('cluster');
  try {
    const results: Record<string, unknown> = { at: new Date().toISOString(), machine: machineInfo() };
    const table: string[] = ['| what | measured | target |', '|---|---|---|'];
    if (PARTS.has('throughput')) {
      console.log(`throughput, ${LINES.toLocaleString('en-US')} lines, ${PAIRS} pairs:`);
      const runs = await throughput(scratch.path);
      const on = median(runs.filter((r) => r.cluster).map((r) => r.linesPerSecond));
      const off = median(runs.filter((r) => !r.cluster).map((r) => r.linesPerSecond));
      results.throughput = { lines: LINES, runs, medianOn: on, medianOff: off, ratio: on / off };
      table.push(`| one daemon, Kafka → daemon, ${LINES.toLocaleString('en-US')} lines, cluster on / off (medians of ${PAIRS}) | ${(on / 1e6).toFixed(2)} / ${(off / 1e6).toFixed(2)} M lines/s = ${((on / off) * 100).toFixed(1)} % | >= 95 % |`);
    }
    if (PARTS.has('traffic')) {
      console.log('state traffic at 100,000 lines/s:');
      const state = await traffic(scratch.path, 100_000, 30);
      results.stateTraffic = state;
      table.push(`| state topic traffic, one daemon at 100,000 lines/s | ${(state.bytesPerSecond / 1024).toFixed(1)} KiB/s (${state.records.toLocaleString('en-US')} records in ${state.seconds.toFixed(0)} s) | report |`);
    }
    if (PARTS.has('latency')) {
      console.log(`group-wide alert latency, 3 daemons, 1,000 lines/s for ${LATENCY_SECONDS} s:`);
      const lat = await latency(scratch.path);
      const latency_ = { ...lat, p50: percentile(lat.samples, 50), p99: percentile(lat.samples, 99), max: lat.samples.at(-1) ?? null };
      results.latency = latency_;
      table.push(`| group-wide alert latency, 3 daemons, 6 partitions, 1,000 lines/s (${lat.samples.length} crossings of ${lat.crossings}) | p50 ${Math.round(latency_.p50)} ms, p99 ${Math.round(latency_.p99)} ms, max ${latency_.max} ms | p99 <= 250 ms |`);
    }
    mkdirSync(join(here, 'results'), { recursive: true });
    const out = join(here, 'results', `${String(results.at).slice(0, 16).replace(':', '')}-cluster.json`);
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\n${table.join('\n')}\nraw: ${out}`);
  } finally {
    scratch.dispose();
    stopKafka();
  }
}

await main();
