// Scenario c, latency at a fixed rate (targets at 1,000 lines/s: p99 error-record durability <= rotation
// interval + 100 ms, p99 alert latency <= 50 ms). A driver thread (latency-driver.ts) writes the lines of
// latency-lines.ts into the daemon's tcp-listen source at the rate, recording when each line id was written.
// - Durability: errors/ is watched (fs.watch plus a 5 ms readdir poll); a completed file (renamed, not `.part`)
//   is timestamped when first seen and read after the run (reading it during the run would steal time from the
//   measurement); each error record's latency is that time minus its line's write time.
// - Alert: each threshold crossing's line is known in advance; its latency runs to the moment the daemon's
//   console alert line for that (window, status) reaches us on its stdout (printed as the alert fires).
// All times on one monotonic clock (hrtime) shared by both threads. The scenario waits one rotation after the
// last line so every record becomes durable through a regular rotation, not the shutdown flush.
import { watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { freePort } from '../test/support/net.js';
import { ProcessTreeMonitor } from '../test/support/proc-tree.js';
import { sleep } from '../test/support/wait.js';
import { Daemon, nowMs, scratchDir } from './daemon.js';
import type { DriverInput, DriverOutput } from './latency-driver.js';
import { alertKeyOfConsoleLine, alertTriggers, lineDesign, statusOf } from './latency-lines.js';
import type { LatencyRun } from './results.js';
import { percentile } from './stats.js';

export interface LatencyOptions {
  rate: number;
  seconds: number;
  rotateEveryMs: number;
}

export const latencyHow = (rotateEveryMs: number): string =>
  `a driver thread writes seed-shaped JSON lines at the fixed rate into \`--source tcp-listen://\` (2 workers, rotateEvery ${rotateEveryMs / 1000} s, errors_per_status at 100, early alerts); durability = a record's file first seen complete in errors/ minus the time its line was written; alert = the console alert line read from the daemon's stdout minus the time the crossing line was written; CPU % of the daemon while lines flow`;

/** Watches a directory for completed files; remembers when each name was first seen. */
class CompletedFileWatcher {
  readonly seen = new Map<string, number>();
  readonly #dir: string;
  readonly #timer: NodeJS.Timeout;
  #watcher: ReturnType<typeof watch> | null = null;
  #scanning = false;

  constructor(dir: string) {
    this.#dir = dir;
    this.#timer = setInterval(() => void this.#scan(), 5);
  }

  async #scan(): Promise<void> {
    if (this.#scanning) return;
    this.#scanning = true;
    try {
      const names = await readdir(this.#dir);
      const at = nowMs();
      for (const n of names) if (!n.endsWith('.part') && !this.seen.has(n)) this.seen.set(n, at);
      // The directory exists from now on; inotify wakes the scan at the rename instead of the next poll.
      this.#watcher ??= watch(this.#dir, () => void this.#scan());
    } catch {
      // not created yet
    } finally {
      this.#scanning = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#watcher?.close();
  }
}

/** Math.max without spreading (hundreds of thousands of samples would overflow the call stack). */
function maxOf(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.max(a, b), -Infinity);
}

function configYaml(rotateEveryMs: number): string {
  return [
    'format: json',
    `output: { rotateEvery: ${rotateEveryMs} }`,
    'alerts: { early: true, rules: [ { type: errors_per_status, threshold: 100 } ] }',
    '',
  ].join('\n');
}

/** Runs the driver thread; `onStart` is called when it is connected and about to write its first line. */
function runDriver(input: DriverInput, onStart: () => void): Promise<DriverOutput> {
  // Workers do not inherit tsx's loader hooks: the worker registers tsx itself, then loads the driver.
  const api = import.meta.resolve('tsx/esm/api');
  const driver = new URL('./latency-driver.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(driver)}, ${JSON.stringify(import.meta.url)}))`;
  const worker = new Worker(boot, { eval: true, workerData: input });
  return new Promise((resolve, reject) => {
    worker.on('message', (m: { started: true } | { ok: true; out: DriverOutput } | { ok: false; error: string }) => {
      if ('started' in m) return onStart();
      void worker.terminate();
      if (m.ok) resolve(m.out);
      else reject(new Error(`latency driver: ${m.error}`));
    });
    worker.once('error', reject);
  });
}

export async function latencyRun(o: LatencyOptions): Promise<LatencyRun> {
  const scratch = scratchDir(`latency-${o.rate}`);
  const port = await freePort();
  const daemon = new Daemon({ source: `tcp-listen://127.0.0.1:${port}`, dir: scratch.path, workers: 2, configYaml: configYaml(o.rotateEveryMs) });
  const monitor = new ProcessTreeMonitor(daemon.pid);
  const alertSeen = new Map<string, number>();
  daemon.onStdoutLine((line, at) => {
    const key = alertKeyOfConsoleLine(line);
    if (key !== null && !alertSeen.has(key)) alertSeen.set(key, at);
  });
  const errorsDir = join(daemon.outDir, 'errors');
  const watcher = new CompletedFileWatcher(errorsDir);
  try {
    await daemon.started;
    const lines = Math.round(o.rate * o.seconds);
    const design = lineDesign(o.rate, lines, Date.now());
    const sendMs = new SharedArrayBuffer(lines * 8);
    let cpu0 = Number.NaN;
    const driven = await runDriver({ port, rate: o.rate, lines, design, sendMs }, () => (cpu0 = monitor.sample()));
    const cpu = monitor.sample() - cpu0;
    const sent = new Float64Array(sendMs);
    // The span lines were flowing, from the driver's own clock (its thread's start-up is not in it).
    const sendSeconds = (sent[driven.sent - 1]! - driven.startMs) / 1000;
    await sleep(o.rotateEveryMs + 500);
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

    const alerts: number[] = [];
    const triggers = alertTriggers(design, driven.sent);
    for (const [key, id] of triggers) {
      const at = alertSeen.get(key);
      if (at !== undefined) alerts.push(at - sent[id]!);
    }
    const lag = Array.from({ length: driven.sent }, (_, id) => sent[id]! - (driven.startMs + (id * 1000) / o.rate));
    return {
      rate: o.rate,
      seconds: o.seconds,
      achievedRate: driven.sent / sendSeconds,
      driverLagP99Ms: percentile(lag, 99),
      durabilityP50Ms: percentile(durability, 50),
      durabilityP99Ms: percentile(durability, 99),
      durabilityMaxMs: maxOf(durability),
      durabilitySamples: durability.length,
      durabilityMissing: errorsSent - durability.length,
      alertP50Ms: percentile(alerts, 50),
      alertP99Ms: percentile(alerts, 99),
      alertMaxMs: maxOf(alerts),
      alertSamples: alerts.length,
      alertMissing: triggers.size - alerts.length,
      cpuPercent: (cpu / sendSeconds) * 100,
      peakRssMb: stats.peakRssMb,
    };
  } finally {
    watcher.stop();
    monitor.stop();
    daemon.kill();
    await daemon.exited.catch(() => undefined);
    scratch.dispose();
  }
}
