// A daemon in cluster mode starts every run (and every rebuild) as a new session: the open windows its checkpoint
// holds were published on the state topic by the session that counted them, where they stay that session's. The new
// one keeps the streams (positions, unfinished lines, watermarks) and counts its windows from zero — restoring them
// too would count their records a second time in the group.
import type { PipelineState } from '../pipeline/restore-plan.js';
import { readSnapshot, writeSnapshot } from '../pipeline/snapshot-format.js';

export function withoutWindows<T extends PipelineState>(state: T): T {
  const shards = state.shards.map((s) => {
    const { streams, closedThroughUs } = readSnapshot(s);
    return writeSnapshot(streams, closedThroughUs);
  });
  return { ...state, shards, merger: new Uint8Array(0), alerts: undefined };
}
