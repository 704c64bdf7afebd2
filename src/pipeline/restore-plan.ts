// Where a checkpoint's state goes in a pipeline that restores it, whatever the worker count it was taken with.
// Under the same shard count (and window length) each shard's snapshot goes back into its shard. Under another,
// the snapshots are re-sharded without decoding them (snapshot-format.ts): every stream — its partial last line,
// its watermark — moves whole to a new shard (a Kafka partition to `partition % shards`, as the router places it;
// others spread evenly), and the open windows go to the merger instead, which merges window partials exactly
// (counts add, HyperLogLog sketches union); the new shards start those windows from zero and their partials meet
// the old ones there when the windows close. Each new shard is closed through the minimum of the old ones, which
// is where the merger drained to: a record for a window not yet written is never late. Either way each stream is
// pinned to the shard holding its state, so that when its source goes on (a reload keeps the source) its bytes
// land there.
import type { AlertState } from './alert-engine.js';
import { readSnapshot, type SnapshotStream, writeSnapshot } from './snapshot-format.js';

/** What `Pipeline.checkpointState` saves. */
export interface PipelineState {
  shards: Uint8Array[];
  merger: Uint8Array;
  /** The route (Kafka partition) of each stream that has one. */
  routes?: Record<string, number>;
  /** The window length the state was taken with (absent in checkpoints written before it was recorded). */
  windowMs?: number;
  /** What the alert engine knew of open windows (which alerts fired early): not fired again after a restart. */
  alerts?: AlertState;
}

export interface RestorePlan {
  /** Window partials for the merger's `add`, in order. */
  partials: Uint8Array[];
  /** Stream → the shard holding its state. */
  pins: Map<string, number>;
  /** The open windows stayed in their shards (same shards, same window length); otherwise they are in `partials`. */
  windowsInShards: boolean;
  /** Re-sharded: the minimum of the old shards' closed points (null when one had none). */
  closedThroughUs: number | null;
  /** One snapshot per shard; re-sharded ones closed through `closedThroughUs` (which the caller may raise). */
  shards(closedThroughUs: number | null): Uint8Array[];
}

/** The newest copy of each stream (a stream left from an earlier run can sit on two shards) with the shard it is on. */
function newestStreams(snapshots: Uint8Array[]): Map<string, { stream: SnapshotStream; shard: number }> {
  const out = new Map<string, { stream: SnapshotStream; shard: number }>();
  snapshots.forEach((snapshot, shard) => {
    for (const stream of readSnapshot(snapshot).streams) {
      const seen = out.get(stream.name);
      if (!seen || seen.stream.lastDataUs < stream.lastDataUs) out.set(stream.name, { stream, shard });
    }
  });
  return out;
}

export function restorePlan(state: PipelineState, shards: number, windowMs: number): RestorePlan {
  const sameWindow = state.windowMs === undefined || state.windowMs === windowMs;
  const merger = state.merger.length > 0 ? [state.merger] : [];
  if (state.shards.length === shards && sameWindow) {
    const pins = new Map([...newestStreams(state.shards)].map(([name, { shard }]) => [name, shard]));
    return { partials: merger, pins, windowsInShards: true, closedThroughUs: null, shards: () => state.shards };
  }
  const outlines = state.shards.map(readSnapshot);
  const placed: SnapshotStream[][] = Array.from({ length: shards }, () => []);
  const pins = new Map<string, number>();
  for (const [name, { stream }] of newestStreams(state.shards)) {
    const route = state.routes?.[name];
    let to = route === undefined ? 0 : route % shards;
    if (route === undefined) for (let i = 1; i < shards; i++) if (placed[i]!.length < placed[to]!.length) to = i;
    placed[to]!.push(stream);
    pins.set(name, to);
  }
  const closed = outlines.map((o) => o.closedThroughUs);
  const closedThroughUs = closed.some((c) => c === null) || closed.length === 0 ? null : Math.min(...(closed as number[]));
  return {
    partials: [...merger, ...outlines.flatMap((o) => (o.partials ? [o.partials] : []))],
    pins,
    windowsInShards: false,
    closedThroughUs,
    shards: (through) => placed.map((streams) => writeSnapshot(streams, through)),
  };
}
