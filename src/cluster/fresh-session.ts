// A daemon in cluster mode starts every run (and every rebuild) as a new session: the open windows its checkpoint
// holds were published on the state topic by the session that counted them, where they stay that session's, so the
// new one counts its windows from zero — restoring them too would count their records a second time in the group.
// (Windows nobody published — a checkpoint written without cluster mode, or of a session another state topic had —
// are restored as they are: daemon/cluster-cuts.ts.)
// At a restart its streams (Kafka partitions) go as well: the group may give them to another daemon, and a restored
// stream this one no longer reads would hold its watermark, and so the whole group's windows, where it stopped. A
// partition it is given again is declared at its assignment (holding the watermarks until its first data) and
// starts afresh at the checkpointed offset (a Kafka message is whole lines: no line is cut). A reload's rebuild
// keeps them (`keepStreams`): its consumer may go on with the same partitions, whose watermarks must go on holding
// the others back. Each shard keeps its closed point: the windows the old session closed stay closed.
import type { PipelineState } from '../pipeline/restore-plan.js';
import { readSnapshot, writeSnapshot } from '../pipeline/snapshot-format.js';

export function freshSession<T extends PipelineState>(state: T, keepStreams: boolean): T {
  const shards = state.shards.map((s) => {
    const { streams, closedThroughUs } = readSnapshot(s);
    return writeSnapshot(keepStreams ? streams : [], closedThroughUs);
  });
  return { ...state, shards, merger: new Uint8Array(0), ...(keepStreams ? {} : { routes: {} }), alerts: undefined };
}
