// How a running process ends. Signals (shared by `run` and `gen`): SIGHUP reloads; the first SIGTERM/SIGINT
// stops gracefully; a second one exits at once — output files are written as `.part` and renamed only when
// complete, so exiting at any moment leaves no corrupt visible file (a leftover `.part` is recovered on the next
// start). Then the daemon's three ways to end, each in the order that keeps every output complete and every
// commit honest, and the deadline that bounds a graceful stop.
import type { Logger } from '../log.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { isReplayable, type Source } from '../sources/source.js';
import type { ClusterMember } from '../cluster/member.js';
import type { Durability } from './durability.js';
import type { Outputs } from './outputs.js';

export interface SignalHandlers {
  /** The first SIGTERM or SIGINT. */
  stop: (signal: NodeJS.Signals) => void;
  /** A second one, just before the process exits with status 1. */
  second?: (signal: NodeJS.Signals) => void;
  /** SIGHUP; without it SIGHUP keeps Node's default (the process ends). */
  reload?: () => void;
}

/** Installs the handlers; returns the function that removes them. */
export function installSignals(handlers: SignalHandlers): () => void {
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) {
      handlers.second?.(signal);
      process.exit(1);
    }
    stopping = true;
    handlers.stop(signal);
  };
  const onHup = () => handlers.reload?.();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  if (handlers.reload) process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  };
}

/** The parts of a running daemon a stop path works on. */
export interface RunningParts {
  source: Source;
  pipeline: Pipeline;
  outputs: Outputs;
  durability: Durability;
  log: Logger;
  /** Rejected lines counted but not written (`limits.rejectedPerSecond`), for the last log line. */
  rejectedDropped?: () => number;
  /** Cluster mode: this daemon's session in its group. */
  cluster?: ClusterMember | null;
}

/** How long the end of a bounded read in cluster mode waits for the windows this daemon owns to be written. */
const CLUSTER_END_WAIT_MS = 60_000;

/** What the last log line of a run says it did: the totals, the rejected lines not written, the peak memory. */
function summary(d: RunningParts): Record<string, unknown> {
  return { totals: d.pipeline.totals, rejectedDropped: d.rejectedDropped?.() ?? 0, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

/** A finite input ended: every window is emitted, every output closed, then the whole read is committed. */
export async function endOfInput(d: RunningParts): Promise<void> {
  await d.durability.stopCuts();
  await d.pipeline.finish();
  const source = d.source;
  if (d.cluster && isReplayable(source)) {
    // The windows this daemon owns are written from the group's state: while the outputs are still open.
    await d.durability.endCut();
    d.log.info({ session: d.cluster.session }, 'cluster: the end of the read is on the state topic; waiting for the windows this daemon owns');
    const all = await d.cluster.ownedWritten(CLUSTER_END_WAIT_MS);
    if (!all) d.log.warn({ waitedMs: CLUSTER_END_WAIT_MS }, 'cluster: windows this daemon owns still wait for other daemons of the group; their next owner writes them');
  }
  await d.outputs.close();
  await d.cluster?.publishWritten();
  await d.durability.inputDone();
  d.log.info(summary(d), 'input ended; every window emitted, outputs flushed');
}

/**
 * A stop signal: reading ends, what was read is made durable, open windows are kept for the next start (not
 * emitted). Exits with status 1 if this takes longer than `timeoutMs` (`shutdownTimeout`).
 */
export async function stopGracefully(d: RunningParts, signal: NodeJS.Signals, timeoutMs: number, checkpointDir: string): Promise<void> {
  const deadline = setTimeout(() => {
    d.log.error({ shutdownTimeoutMs: timeoutMs }, 'shutdown timeout exceeded; exiting');
    process.exit(1);
  }, timeoutMs);
  deadline.unref();
  // As an owner it writes nothing more: what it wrote goes with the last cut; what is due waits for the next owner.
  d.cluster?.detach();
  try {
    await d.durability.stopReading();
  } catch (err) {
    // The checkpoint could not be written (its disk full): the open windows are lost, the records already in the
    // outputs need not be, so a source that cannot replay still gets them published. A replayable one must not:
    // the next start replays everything after its last commit, and published files would hold those records twice.
    if (!isReplayable(d.source)) await d.outputs.close().catch(() => undefined);
    throw err;
  }
  await d.outputs.close();
  clearTimeout(deadline);
  d.log.info({ signal, ...summary(d), checkpoint: d.source.finite && !isReplayable(d.source) ? null : checkpointDir }, 'stopped; open windows were not emitted');
}

/** The source cannot go on (credentials rejected): nothing more is read; what was read is made durable. */
export async function stopOnFailure(d: RunningParts, err: Error): Promise<void> {
  d.log.error({ err: err.message, source: d.source.uri }, 'source failed');
  await d.durability.stopCuts();
  await d.source.stop();
  await d.pipeline.drainInFlight();
  await d.durability.failed();
  await d.outputs.close();
}

/** Ends a run the way it came to its end (a failure, the end of the input, a stop signal); resolves with the exit code. */
export async function endRun(parts: RunningParts, outcome: Error | NodeJS.Signals | 'ended', shutdownTimeoutMs: number, checkpointDir: string): Promise<number> {
  const { log } = parts;
  if (outcome instanceof Error) {
    await stopOnFailure(parts, outcome);
    return 1;
  }
  try {
    if (outcome === 'ended') await endOfInput(parts);
    else await stopGracefully(parts, outcome, shutdownTimeoutMs, checkpointDir);
    return 0;
  } catch (err) {
    // ended: the outputs are complete; what failed is publishing the last archive cut or committing the read.
    // stopped: nothing was committed past the last good cut; the next start replays or restores from there.
    log.error({ err: (err as Error).message }, outcome === 'ended' ? 'input ended but its last cut failed' : 'stop could not make everything durable');
    return 1;
  }
}
