// Scenario a, file → daemon at full speed (target >= 2 M lines/s on 2 cores): the real daemon reads the run's
// dataset through `--source file:` with 2 workers, writes every output (errors/, metrics/, rejected/, alerts/)
// and exits at end of input. Wall time from spawn to exit, so start-up and the final flush are included and the
// figure is a floor. It proves throughput only; the tests prove the outputs.
import { ProcessTreeMonitor, reapedCpuSeconds } from '../test/support/proc-tree.js';
import { Daemon, scratchDir } from './daemon.js';
import type { Dataset } from './dataset.js';
import { runFigures, type ThroughputRun } from './results.js';

export const FILE_SCENARIO_HOW =
  'wall time from spawning `logpulse run --source file:DATA --workers 2` to its exit (start-up and final flush included), every output written; CPU % of the daemon process over that time (100 = one core), peak RSS sampled from /proc';

export async function fileThroughput(data: Dataset, workers = 2): Promise<ThroughputRun> {
  const scratch = scratchDir('file');
  try {
    return await timeDaemonRun(`file:${data.path}`, data, scratch.path, workers);
  } finally {
    scratch.dispose();
  }
}

/**
 * Spawns the daemon on a finite `source` holding `data`, waits for its exit and times it: wall seconds from
 * spawn to exit, and processingSeconds on the peers' clock. Throws unless it exits 0 having read every line.
 */
export async function timeDaemonRun(source: string, data: Dataset, dir: string, workers = 2): Promise<ThroughputRun> {
  const reapedBefore = reapedCpuSeconds();
  const started = process.hrtime.bigint();
  const daemon = new Daemon({ source, dir, workers });
  const monitor = new ProcessTreeMonitor(daemon.pid);
  const code = await daemon.exited;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // The peers' clock: from the source's start to 'every output flushed' (the daemon's last log line), so
  // neither start-up nor process teardown is in it — as the peers time themselves.
  const processingSeconds = (daemon.totalsAtMs - daemon.sourceStartedAtMs) / 1000;
  // The daemon is our only child in this span, so what the kernel credits us when reaping it is its exact CPU.
  const stats = monitor.stop(reapedCpuSeconds() - reapedBefore);
  if (code !== 0) throw new Error(`daemon exited ${code}:\n${daemon.stderrTail}`);
  if (daemon.totals?.lines !== data.lines) {
    throw new Error(`daemon read ${daemon.totals?.lines ?? 'unknown'} lines of ${data.lines}:\n${daemon.stderrTail}`);
  }
  return { ...runFigures(data, seconds, stats.cpuSeconds, stats.peakRssMb), processingSeconds };
}
