// The held moment of a durable cut (durability.ts): the source holds delivery and timed ticks stop while the
// positions, the pipeline state and the outputs' cut points are taken — records arriving meanwhile wait, so this
// is kept short (issue 18: an alert must not wait for fsyncs). Everything slow happens after the release: the files
// written up to the cut are completed and fsynced (what is written after it goes to later files) and the shards
// seal the archive cut (they take it before any record read after the release).
import type { ArchiveMark } from '../archive/recovery.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { OutputMarks } from '../sinks/sink.js';
import type { ReplayableSource, StreamPositions } from '../sources/source.js';
import type { ClusterCut } from '../cluster/cut-records.js';
import type { ClusterMember } from '../cluster/member.js';
import type { ArchiveKeeper } from './archive.js';
import type { Outputs } from './outputs.js';

export interface CutPoint {
  /** Everything before these is in `state` and in the outputs up to `durable`'s marks. */
  positions: StreamPositions;
  state: Awaited<ReturnType<Pipeline['checkpointState']>>;
  /** Resolves once the files up to the cut are complete and fsynced: their marks. */
  durable: Promise<OutputMarks>;
  /** Resolves once the archive's files of the cut are published (rejects with LP_ERR_ARCHIVE). */
  archived: Promise<ArchiveMark> | undefined;
  /** Cluster mode: what the cut publishes on the state topic before its offsets are committed. */
  cluster: ClusterCut | undefined;
}

export interface CutParts {
  source: ReplayableSource;
  pipeline: Pipeline;
  outputs: Outputs;
  archive: ArchiveKeeper | null;
  cluster?: ClusterMember | null;
}

/**
 * Holds the source, takes the cut point, and (`release`) lets the source read on; `held` is told how long it held.
 * Without `release` the source stays held (the last cut of a stop or hand-over: the outputs close next).
 */
export async function takeCutPoint(p: CutParts, release: boolean, held?: (seconds: number) => void): Promise<CutPoint> {
  const heldAt = performance.now();
  p.source.hold();
  p.pipeline.stopTicks(); // no window closes between the output marks and the state (its row would miss both)
  try {
    const positions = p.source.positions();
    await p.pipeline.drainInFlight();
    const state = await p.pipeline.checkpointState();
    // The closed point and the closed windows of this very moment: a window closing after it goes in the next cut,
    // so the progress published never says more than the window state published with it.
    const cluster = p.cluster
      ? { shards: state.shards, ...p.cluster.takeCutRecords(), claims: p.source.claims?.() ?? [], positions, closedThroughUs: p.pipeline.closedThroughUs, watermarkUs: p.pipeline.watermarkUs }
      : undefined;
    const durable = p.outputs.makeDurable();
    const archived = p.archive?.cut(p.pipeline);
    // Awaited by the caller after the release; a rejection meanwhile is not unhandled.
    durable.catch(() => undefined);
    archived?.catch(() => undefined);
    return { positions, state, durable, archived, cluster };
  } finally {
    if (release) {
      p.pipeline.start();
      p.source.release();
    }
    held?.((performance.now() - heldAt) / 1000);
  }
}
