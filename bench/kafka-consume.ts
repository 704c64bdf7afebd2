// `npm run bench:kafka-consume [-- MESSAGES RUNS PARTITIONS]` (default 1,000,000, 5, 3): issue 15's measurement —
// the daemon's consumer (the native module's, polled from Node: bench/kafka-consume-native.ts) against a bare Rust
// program on the same crate (bench/kafka-consume-probe: the ceiling, no Node at all) and node-rdkafka's consume
// loop (bench/kafka-consume-node.ts: the consumer the daemon used before), all with the daemon's fetch settings,
// reading the same topic of seed-shaped lines (one per message) on the bench's broker and framing them into
// chunks, nothing parsed. Runs alternate; medians of messages/s and peak RSS. The first run builds the probe
// (librdkafka from source: a few minutes). Prints a table; raw runs in bench/.cache/kafka-consume.json.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { spawnCli } from '../test/support/cli.js';
import { createTopic, deleteTopic } from '../test/support/kafka.js';
import { ProcessTreeMonitor } from '../test/support/proc-tree.js';
import { BROKERS, kafkaUnavailableReason } from './e2e-kafka.js';
import { percentile } from './stats.js';

const [messagesArg, runsArg, partitionsArg] = process.argv.slice(2);
const MESSAGES = Number(messagesArg ?? 1_000_000);
const RUNS = Number(runsArg ?? 5);
const PARTITIONS = Number(partitionsArg ?? 3);
const here = fileURLToPath(new URL('.', import.meta.url));
const cache = join(here, '.cache');

interface Run {
  consumer: 'native' | 'rust' | 'node';
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  peakRssMb: number;
}

function buildProbe(): string {
  const targetDir = join(cache, 'kafka-consume-probe-target');
  console.log('building bench/kafka-consume-probe (cargo build --release; librdkafka from source the first time)…');
  execFileSync('cargo', ['build', '--release', '--manifest-path', join(here, 'kafka-consume-probe', 'Cargo.toml'), '--target-dir', targetDir], { stdio: 'inherit' });
  return join(targetDir, 'release', 'kafka-consume-probe');
}

async function timed(consumer: Run['consumer'], command: string, args: string[]): Promise<Run> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const monitor = new ProcessTreeMonitor(child.pid!);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  const stats = monitor.stop();
  if (code !== 0) throw new Error(`${consumer} consumer exited ${String(code)}: ${out}`);
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { messages: number; seconds: number };
  return { consumer, messages: r.messages, seconds: r.seconds, messagesPerSecond: r.messages / r.seconds, peakRssMb: stats.peakRssMb };
}

async function main(): Promise<void> {
  const why = await kafkaUnavailableReason();
  if (why !== null) throw new Error(`no Kafka broker: ${why}`);
  const probe = buildProbe();
  const topic = await createTopic(BROKERS, PARTITIONS, 'consume');
  try {
    const gen = spawnCli(['gen', '--rate', '0', '--count', String(MESSAGES), '--seed', '1', '--format', 'json', '--out', `kafka://${BROKERS}/${topic}`]);
    if ((await gen.exit) !== 0) throw new Error(`gen --out kafka:// failed: ${gen.stderr()}`);
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await timed('native', process.execPath, ['--import', 'tsx', join(here, 'kafka-consume-native.ts'), BROKERS, topic, String(MESSAGES)]));
      runs.push(await timed('rust', probe, [BROKERS, topic, String(MESSAGES)]));
      runs.push(await timed('node', process.execPath, ['--import', 'tsx', join(here, 'kafka-consume-node.ts'), BROKERS, topic, String(MESSAGES)]));
      console.log(runs.slice(-3).map((r) => `${r.consumer} ${Math.round(r.messagesPerSecond).toLocaleString('en-US')} msgs/s, ${r.peakRssMb.toFixed(0)} MB`).join('; '));
    }
    const median = (c: Run['consumer'], f: (r: Run) => number) => percentile(runs.filter((r) => r.consumer === c).map(f), 50);
    const native = median('native', (r) => r.messagesPerSecond);
    const rust = median('rust', (r) => r.messagesPerSecond);
    const node = median('node', (r) => r.messagesPerSecond);
    console.log(`\n${MESSAGES.toLocaleString('en-US')} messages, ${PARTITIONS} partitions, median of ${RUNS}:`);
    console.log(`| consumer | msgs/s | peak RSS MB |\n|---|---|---|`);
    console.log(`| the daemon's consumer (native module, polled from Node) | ${Math.round(native).toLocaleString('en-US')} | ${median('native', (r) => r.peakRssMb).toFixed(0)} |`);
    console.log(`| bare Rust program (rdkafka crate), framed into 1 MiB chunks | ${Math.round(rust).toLocaleString('en-US')} | ${median('rust', (r) => r.peakRssMb).toFixed(0)} |`);
    console.log(`| node-rdkafka consume(10,000), values joined | ${Math.round(node).toLocaleString('en-US')} | ${median('node', (r) => r.peakRssMb).toFixed(0)} |`);
    console.log(`daemon's consumer ÷ node-rdkafka: ×${(native / node).toFixed(1)}; ÷ bare Rust: ${(native / rust).toFixed(2)}`);
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'kafka-consume.json'), `${JSON.stringify({ at: new Date().toISOString(), messages: MESSAGES, partitions: PARTITIONS, runs }, null, 2)}\n`);
  } finally {
    await deleteTopic(BROKERS, topic).catch(() => undefined);
  }
}

await main();
process.exit(0);
