// What every benchmark peer (bench/peers/*) reports, so the harness can print logpulse and its peers in one table.

export interface PeerResult {
  /** e.g. 'spark (file)', 'spark (socket)', 'naive node'. */
  peer: string;
  /** Input lines processed (verified by each peer against its own outputs). */
  lines: number;
  /** Bytes of the input file. */
  bytes: number;
  /**
   * Wall time of the processing alone: from the moment the peer starts consuming its input until every output
   * is written. Process/JVM/venv start-up is excluded; each peer states exactly where its clock starts and stops.
   */
  seconds: number;
  linesPerSecond: number;
  mbPerSecond: number;
  /** (user + sys CPU of the whole process tree over the run) / wall time of the run * 100; 200 = both cores. */
  cpuPercent: number;
  /** Peak RSS of the whole process tree (python + JVM children, or the node child), sampled every ~50 ms. */
  peakRssMb: number;
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
