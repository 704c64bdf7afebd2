// Scenario b, `logpulse gen --rate 0` over TCP → daemon: the same lines as the run's data file (same gen
// arguments, so the same bytes), produced live by the generator and sent through a loopback connection to the
// daemon's `tcp-listen://` source, every output written. A TCP source never ends, so the clock stops when the
// daemon has read the last byte (its `rchar` in /proc/PID/io, sampled every 2 ms); the run then stops it with
// SIGTERM and checks from its final totals that every line was handled. The daemon is started and listening
// before the clock starts (its start-up is not in this figure, unlike the file scenario); the generator's is.
import { spawnCli } from '../test/support/cli.js';
import { freePort } from '../test/support/net.js';
import { bytesReadBy, ProcessTreeMonitor, reapedCpuSeconds } from '../test/support/proc-tree.js';
import { sleep } from '../test/support/wait.js';
import { Daemon, nowMs, scratchDir } from './daemon.js';
import type { Dataset } from './dataset.js';
import { runFigures, type ThroughputRun } from './results.js';

export const TCP_SCENARIO_HOW =
  'from spawning `logpulse gen --rate 0 --out tcp://…` (the dataset\'s lines) until the listening daemon (`--source tcp-listen://…`, 2 workers, started beforehand) has read the last byte; CPU % of the daemon over that span (the generator\'s own CPU % is in the raw runs as producerCpuPercent), peak RSS over its life';

/** Longest a run may take before it is called stuck (a 4 M-line run takes a few seconds). */
const TIMEOUT_MS = 120_000;

export async function tcpThroughput(data: Dataset, workers = 2): Promise<ThroughputRun> {
  const scratch = scratchDir('tcp');
  const port = await freePort();
  const daemon = new Daemon({ source: `tcp-listen://127.0.0.1:${port}`, dir: scratch.path, workers });
  const monitor = new ProcessTreeMonitor(daemon.pid);
  try {
    await daemon.started;
    const read0 = bytesReadBy(daemon.pid);
    const cpu0 = monitor.sample();
    const reaped0 = reapedCpuSeconds();
    const t0 = nowMs();
    const gen = spawnCli(['gen', ...data.genArgs, '--out', `tcp://127.0.0.1:${port}`], { stdout: 'ignore', cwd: scratch.path });
    let tEnd = Number.NaN;
    while (nowMs() - t0 < TIMEOUT_MS) {
      if (bytesReadBy(daemon.pid) - read0 >= data.bytes) {
        tEnd = nowMs();
        break;
      }
      if (gen.child.exitCode !== null && gen.child.exitCode !== 0) break;
      await sleep(2);
    }
    const cpu = monitor.sample() - cpu0;
    if (!Number.isFinite(tEnd)) {
      gen.child.kill('SIGKILL');
      const got = bytesReadBy(daemon.pid) - read0;
      throw new Error(`the daemon read ${got} of ${data.bytes} bytes in ${TIMEOUT_MS / 1000} s (gen: ${gen.stderr().trim()}); daemon log:\n${daemon.stderrTail}`);
    }
    const genCode = await gen.exit;
    // The generator is the only child reaped in this span (the daemon still runs): its exact CPU time.
    const genCpu = reapedCpuSeconds() - reaped0;
    if (genCode !== 0) throw new Error(`logpulse gen exited ${String(genCode)}: ${gen.stderr().slice(-2000)}`);
    // Let the chunks still in flight finish before the stop, so the totals check below is about the source.
    await sleep(200);
    const code = await daemon.stop();
    const stats = monitor.stop();
    if (code !== 0) throw new Error(`daemon exited ${code}:\n${daemon.stderrTail}`);
    if (daemon.totals?.lines !== data.lines) throw new Error(`daemon handled ${daemon.totals?.lines ?? 'unknown'} lines of ${data.lines}:\n${daemon.stderrTail}`);
    const seconds = (tEnd - t0) / 1000;
    return { ...runFigures(data, seconds, cpu, stats.peakRssMb), producerCpuPercent: (genCpu / seconds) * 100 };
  } finally {
    monitor.stop();
    daemon.kill();
    await daemon.exited.catch(() => undefined);
    scratch.dispose();
  }
}

