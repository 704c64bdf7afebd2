// How many entries the coordinator's per-window and per-stream maps hold. A daemon runs for weeks: each of these
// must follow the windows and streams open now, never the number seen since start (test/pipeline/window-state.test.ts).

export interface PipelineStateSizes {
  /** Open windows' running totals for live displays (open-windows.ts). */
  openWindows: number;
  /** Windows the merger holds until every shard has closed them. */
  mergerWindows: number;
  /** The alert engine's running counts per (window, status), for early alerts. */
  alertCounts: number;
  /** The alert engine's (rule, window, group) already fired. */
  alertsFired: number;
  /** Streams the router knows (live connections, files, partitions). */
  streams: number;
  /** Restored streams not yet come back. */
  pinnedStreams: number;
  /** Declared streams holding the watermarks back. */
  heldStreams: number;
  /** Shard tasks in flight. */
  inFlightTasks: number;
}
