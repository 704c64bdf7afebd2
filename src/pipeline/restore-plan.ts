// Where a checkpoint's state goes in a pipeline that restores it: each shard's snapshot into a shard, the merger's
// held windows into the merger, and each stream pinned to the shard that holds its state (its partial last line,
// its watermark), so that when its source goes on delivering it (a reload keeps the source) its bytes land there.
import { readSnapshot } from './snapshot-format.js';

/** What `Pipeline.checkpointState` saves. */
export interface PipelineState {
  shards: Uint8Array[];
  merger: Uint8Array;
}

export interface RestorePlan {
  /** One snapshot per shard of the restoring pipeline. */
  shards: Uint8Array[];
  /** For the merger's `add`, in order. */
  partials: Uint8Array[];
  /** Stream → the shard holding its state. */
  pins: Map<string, number>;
}

export function restorePlan(state: PipelineState, shards: number): RestorePlan {
  if (state.shards.length !== shards) throw new Error(`checkpoint has ${state.shards.length} shards, the pipeline ${shards}`);
  const pins = new Map<string, number>();
  const newest = new Map<string, number>();
  state.shards.forEach((snapshot, shard) => {
    for (const s of readSnapshot(snapshot).streams) {
      // A stream left over from an earlier run can sit on two shards: its bytes go where it last had data.
      if ((newest.get(s.name) ?? -Infinity) >= s.lastDataUs) continue;
      newest.set(s.name, s.lastDataUs);
      pins.set(s.name, shard);
    }
  });
  return { shards: state.shards, partials: state.merger.length > 0 ? [state.merger] : [], pins };
}
