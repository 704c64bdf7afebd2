// What every benchmark peer (bench/peers/*) reports, so the harness can print logpulse and its peers in one table.
import type { RunFigures } from '../results.js';

/**
 * The run's figures (lines verified by each peer against its own outputs) with these meanings: `seconds` is
 * the processing alone, from the moment the peer starts consuming its input until every output is written
 * (process/JVM/venv start-up excluded; each peer states where its clock starts and stops); `cpuPercent` is the
 * user + sys CPU of the whole process tree over that time (200 = both cores); `peakRssMb` the peak RSS of the
 * whole tree (python + JVM children, or the node child), sampled every ~50 ms. Both are measured by
 * test/support/proc-tree.ts, as logpulse's are.
 */
export interface PeerResult extends RunFigures {
  /** e.g. 'spark (file)', 'spark (socket)', 'naive node'. */
  peer: string;
  /** Peer-specific extras (start-up time, tuning used, ...), printed by the harness as-is. */
  notes?: Record<string, string | number>;
}

/** Thrown when a peer truly cannot be installed or run. The harness must report it loudly, never skip silently. */
export class PeerUnavailable extends Error {
  readonly peer: string;
  readonly reason: string;
  constructor(peer: string, reason: string) {
    super(`benchmark peer '${peer}' is unavailable: ${reason}`);
    this.name = 'PeerUnavailable';
    this.peer = peer;
    this.reason = reason;
  }
}
