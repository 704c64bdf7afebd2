// The one answer to "when is what committed" (SPEC §5: offsets are committed only after everything derived from
// them is durable). A replayable source (Kafka, a file, a seeded generator) is cut here:
//   1. the source holds delivery, timed ticks stop, and its positions are read; in-flight work settles and the
//      state is taken: it is exactly "everything before these positions"; the outputs' files up to here are
//      queued for completion and the archive cut is queued in the shards (cut-point.ts);
//   2. delivery resumes; the files up to the cut are completed (fsync, rename), the last one of each kind noted;
//   3. the open windows, alerts fired, positions and those output marks go to the checkpoint (fsync, rename);
//      in cluster mode the group's state topic then gets the cut (cluster-cuts.ts);
//   4. the positions are committed (Kafka: to the group; confirmed at a hand-over and stop).
// A crash replays from the last checkpoint: files completed after its marks are deleted and `.part` files
// discarded at restart, so nothing is written twice. Cuts run every `output.rotateEvery`, at a hand-over, at stop
// and (the whole read) at the end of a bounded one. A source that cannot replay keeps its open windows across a
// graceful stop in the checkpoint, without positions. The Parquet archive (archive.ts) publishes in the same cut,
// before the checkpoint (alone on the timer without a replayable source); a failed archive cut pauses the sources
// and is retried until it writes (archive-fault.ts).
import type { ArchiveMark } from '../archive/recovery.js';
import { LogpulseError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AlertState, Pipeline } from '../pipeline/pipeline.js';
import { isReplayable, type ReplayableSource, type Source } from '../sources/source.js';
import { type Checkpoint, checkpointPath, newCheckpoint, RESET_HINT, readCheckpoint, retireCheckpoint, writeCheckpoint } from './checkpoint.js';
import { freshSession } from '../cluster/fresh-session.js';
import type { ClusterMember } from '../cluster/member.js';
import type { ArchiveKeeper } from './archive.js';
import { ClusterCuts, groupCheckpoint, windowsPublished } from './cluster-cuts.js';
import { ArchiveFault } from './archive-fault.js';
import { takeCutPoint } from './cut-point.js';
import { CutTimer } from './cut-timer.js';
import { type CutKind, Instruments } from './instruments.js';
import type { Outputs } from './outputs.js';
import type { OutputMarks } from '../sinks/sink.js';

export interface DurabilityOptions {
  source: Source;
  pipeline: Pipeline;
  outputs: Outputs;
  checkpointDir: string;
  /** The worker count, recorded in checkpoints (any count restores them: pipeline/restore-plan.ts). */
  workers: number;
  /** How often a replayable source's cut runs (`output.rotateEvery`). */
  everyMs: number;
  /** The Parquet archive, when `archive.enabled`. */
  archive: ArchiveKeeper | null;
  log: Logger;
  /** Told how long each cut and each checkpoint fsync took, and which cuts failed. */
  instruments?: Instruments;
  /** Cluster mode: each cut publishes the window state on the group's topic after the checkpoint, before the commit. */
  cluster?: ClusterMember | null;
}

export class Durability {
  readonly #o: DurabilityOptions;
  /** The source when it can replay (Kafka); null otherwise. */
  readonly #replayable: ReplayableSource | null;
  readonly #timer: CutTimer;
  #cuts = 0;
  readonly #archiveFault: ArchiveFault;
  #lastCheckpoint: Checkpoint | null = null; // the one the last full cut wrote
  /** The output marks of the checkpoint on disk (a replayable source): retention deletes no file after them. */
  #outputMarks: OutputMarks = {};
  readonly #checkpointFsync: ((seconds: number) => void) | undefined;
  readonly #clusterCuts: ClusterCuts | null;

  constructor(options: DurabilityOptions) {
    this.#o = options;
    this.#replayable = isReplayable(options.source) ? options.source : null;
    this.#timer = new CutTimer(options.everyMs);
    this.#archiveFault = new ArchiveFault(() => options.outputs.faults);
    const instruments = options.instruments;
    this.#checkpointFsync = instruments === undefined ? undefined : (seconds) => instruments.fsync('checkpoint', seconds);
    this.#clusterCuts = options.cluster ? new ClusterCuts(options.cluster, options.log) : null;
  }

  /**
   * Puts back the open windows a graceful stop saved. A replayable source also gets the positions the state
   * includes, and the checkpoint stays until the next cut replaces it (deleting it before then would lose its
   * windows on a crash). A checkpoint that cannot be read or restored throws `LP_ERR_CHECKPOINT` (the daemon exits
   * 1; `--reset-checkpoint` starts without it): dropping it silently would lose windows or count records twice.
   * In cluster mode it may be the cut before the checkpoint's, if the group never got that one (cluster-cuts.ts).
   */
  async restore(): Promise<void> {
    const { checkpointDir: dir, workers, pipeline, log, cluster } = this.#o;
    const disk = await readCheckpoint(dir);
    const { cp, fresh } = disk && cluster ? await groupCheckpoint(disk, cluster, log) : { cp: disk, fresh: false };
    if (cp?.cluster) await cluster?.retire(cp.cluster.session);
    const mark: ArchiveMark | null = cp?.archive ?? null;
    if (cp) {
      const streams = await pipeline.restoreState(fresh ? freshSession(cp, false) : cp).catch((err: Error) => {
        throw new LogpulseError('LP_ERR_CHECKPOINT', `${checkpointPath(dir)} cannot be restored: ${err.message}; ${RESET_HINT}`, { cause: err });
      });
      if (this.#replayable) {
        this.#replayable.resumeFrom(cp.positions ?? {});
        const discarded = cp.outputs ? await this.#o.outputs.discardAfter(cp.outputs) : 0;
        this.#outputMarks = cp.outputs ?? {};
        this.#clusterCuts?.begin(cp, !fresh);
        if (discarded > 0) log.info({ files: discarded }, 'output files completed after the checkpoint removed: the source reads what they held again');
      } else {
        // Its streams never come back (a connection open at the stop is gone; a new one is a new stream): each ends
        // now, its unfinished line cut off as by a reset, so restarts do not pile dead streams up in the checkpoint.
        for (const stream of streams) pipeline.streamEnd(stream, true);
        await retireCheckpoint(dir, 'restored');
      }
      log.info({ dir, savedAt: cp.createdAt, checkpointWorkers: cp.workers, workers }, 'open windows restored from the checkpoint');
    } else if (this.#replayable) {
      // The start is a cut too: a crash before the first timed one must not leave files the replay writes again.
      this.#outputMarks = await this.#o.outputs.marks();
      const start = newCheckpoint(workers, await pipeline.checkpointState(), {}, undefined, this.#outputMarks);
      await writeCheckpoint(dir, this.#clusterCuts?.startMark(start) ?? start, this.#checkpointFsync);
    }
    await this.#o.archive?.open(mark);
    cluster?.outputsReady();
  }

  /**
   * A reload's rebuild: reading stops (a replayable source is held by a last cut, its commit confirmed; another is
   * paused and cut off by the caller), what was read is made durable and the state checkpointed (on disk unless the
   * source is finite: a restart reads that again). Returns the checkpoint for the next pipeline.
   */
  async handOver(): Promise<Checkpoint> {
    const { source, pipeline, checkpointDir } = this.#o;
    await this.stopCuts();
    if (this.#replayable) {
      await this.#archiveFault.until(() => this.#cut(false, true));
      return this.#lastCheckpoint!;
    }
    await pipeline.drainInFlight();
    if (this.#o.archive) await this.#archiveFault.until(() => this.#measured('archive', () => this.#o.archive!.cut(pipeline)));
    const cp = newCheckpoint(this.#o.workers, await pipeline.checkpointState());
    if (!source.finite) await writeCheckpoint(checkpointDir, cp, this.#checkpointFsync);
    return cp;
  }

  /**
   * What a rebuild handed over (`from`: its checkpoint dir) into this pipeline. A new replayable source resumes after
   * its positions, and the checkpoint moves to this config's dir (a crash restarts from it); another source's is
   * removed, as on a restart. `openArchive`: the archive is new here, opened against the checkpoint's mark;
   * `alerts`: what the previous alert engine knew.
   */
  async adopt(cp: Checkpoint, o: { sourceIsNew: boolean; from: string; openArchive: boolean; alerts: AlertState }): Promise<void> {
    const { pipeline, checkpointDir: dir } = this.#o;
    const fresh = windowsPublished(cp, this.#o.cluster);
    await (fresh ? pipeline.restoreState(freshSession(cp, true)) : pipeline.restoreState(cp, o.alerts));
    if (this.#replayable) {
      if (o.sourceIsNew) this.#replayable.resumeFrom(cp.positions ?? {});
      // The marks name this generation's output files (its output dir may be another).
      this.#outputMarks = await this.#o.outputs.marks();
      await writeCheckpoint(dir, { ...cp, outputs: this.#outputMarks }, this.#checkpointFsync);
      this.#clusterCuts?.begin({ ...cp, outputs: this.#outputMarks }, !fresh);
      if (o.from !== dir) await retireCheckpoint(o.from, 'restored');
    } else {
      await retireCheckpoint(o.from, 'restored');
    }
    if (o.openArchive) await this.#o.archive?.open(cp.archive ?? null);
    this.#o.cluster?.outputsReady();
  }

  /** Per kind, the last output file retention may delete: the checkpoint's marks (replayable), else the last complete one. */
  async deletableThrough(): Promise<OutputMarks> {
    return this.#replayable ? this.#outputMarks : this.#o.outputs.marks();
  }

  /** Timed cuts once the source reads: full cuts for a replayable source, archive cuts alone otherwise. */
  start(): void {
    if (this.#replayable || this.#o.archive) this.#timer.start(() => this.#timedCut());
  }

  /** A timed cut, or the retry of one an archive fault failed. */
  #timedCut(): void {
    const cut = this.#replayable ? this.#next(true, false) : this.#timer.chain(() => this.#archiveCut());
    cut.catch((err: unknown) => this.#cutFailed(err as Error));
  }

  /** `output.rotateEvery` changed (a reload): timed cuts run on the new interval from now. */
  setEvery(ms: number): void {
    this.#timer.setEvery(ms);
  }

  /** Streams (or, none: state partitions) leave this process: resolves once the outputs are durable and the commit confirmed. */
  async handOff(streams: string[]): Promise<void> {
    if (!this.#replayable) return;
    await this.#next(true, true);
    if (streams.length > 0) this.#o.log.info({ streams }, 'streams handed over: outputs durable, offsets committed');
  }

  /** No more timed cuts; resolves when a running one is done. */
  async stopCuts(): Promise<void> {
    this.#archiveFault.stop();
    await this.#timer.stop();
  }

  /** Cluster mode, a bounded read's end: a last full cut closed through the end of time, checkpointed before it is published. */
  async endCut(): Promise<void> {
    if (this.#replayable) await this.#archiveFault.until(() => this.#cut(false, true, true));
  }

  /** A bounded read ended, every window emitted, the outputs closed: the whole read is committed, nothing left to resume. */
  async inputDone(): Promise<void> {
    const source = this.#replayable;
    const archive = this.#o.archive;
    if (archive) await this.#archiveFault.until(() => archive.cut(this.#o.pipeline));
    if (source) {
      await source.commit(source.positions(), true);
      await source.stop();
      await retireCheckpoint(this.#o.checkpointDir, 'restored');
    }
    if (archive) {
      await archive.finish(true);
      // Every window was emitted, so every hour is closed: the run leaves one file per hour.
      await archive.compactClosed(Number.MAX_SAFE_INTEGER);
    }
  }

  /**
   * A graceful stop: reading ends and what was read is made durable. A replayable source gets a last cut
   * (outputs, open windows and positions together, the commit confirmed) and stays held, so nothing arrives that
   * would not be committed, then leaves its group. Otherwise in-flight work settles, and an unbounded source's
   * open windows wait in the checkpoint for the next start (SPEC §3).
   */
  async stopReading(): Promise<void> {
    const { source, pipeline, archive } = this.#o;
    await this.stopCuts();
    if (this.#replayable) {
      await this.#archiveFault.until(() => this.#cut(false, true));
      await source.stop();
      await archive?.finish(false);
      return;
    }
    await source.stop();
    await pipeline.drainInFlight();
    await this.#archiveFault.until(() => this.#archiveCut()).catch((err: unknown) => this.#cutFailed(err as Error));
    if (!source.finite) {
      const state = await pipeline.checkpointState();
      await writeCheckpoint(this.#o.checkpointDir, newCheckpoint(this.#o.workers, state), this.#checkpointFsync);
    }
    await archive?.finish(false);
  }

  /** The source failed (after `stopCuts` and the drain): nothing more committed; a source that cannot replay gets its archive published. */
  async failed(): Promise<void> {
    if (this.#replayable || !this.#o.archive) return;
    await this.#archiveFault.until(() => this.#archiveCut()).catch((err: unknown) => this.#cutFailed(err as Error));
    await this.#o.archive.finish(false);
  }

  /** An archive-only cut (no replayable source): publish, then compact what closed. */
  async #archiveCut(): Promise<void> {
    const archive = this.#o.archive;
    if (!archive) return;
    await this.#measured('archive', () => archive.cut(this.#o.pipeline));
    this.#archiveFault.succeeded();
    void archive.compactClosed(this.#o.pipeline.closedThroughUs);
  }

  #measured(kind: CutKind, cut: () => Promise<unknown>): Promise<void> {
    return Instruments.measured(this.#o.instruments, kind, cut);
  }

  /** An archive fault is said by the output faults and retried soon (while timed cuts run); any other failure waits for the next timed cut. */
  #cutFailed(err: Error): void {
    const retry = (): void => {
      if (this.#timer.started) this.#timedCut();
    };
    if (this.#archiveFault.failed(err, retry)) return;
    this.#o.log.error({ err: err.message }, 'durable cut failed; offsets not committed, retrying at the next one');
  }

  /** One cut after any running one (cuts never overlap). */
  #next(release: boolean, confirmed: boolean): Promise<void> {
    return this.#timer.chain(() => this.#cut(release, confirmed));
  }

  /** `confirmed`: resolves once the commit is settled (a hand-over, the stop); a timed cut's commit may still be on its way. */
  #cut = (release: boolean, confirmed: boolean, end = false): Promise<void> => this.#measured('full', () => this.#fullCut(release, confirmed, end));

  async #fullCut(release: boolean, confirmed: boolean, end = false): Promise<void> {
    const source = this.#replayable!;
    const { pipeline, outputs, archive, log } = this.#o;
    const point = await takeCutPoint({ source, pipeline, outputs, archive, cluster: this.#o.cluster }, release, (s) => this.#o.instruments?.held(s));
    const { positions, state, durable, archived } = point;
    const cluster = end && point.cluster ? { ...point.cluster, closedThroughUs: Number.MAX_SAFE_INTEGER, watermarkUs: null } : point.cluster;
    const marks = await durable;
    // A failed archive cut fails this durable cut (no checkpoint, no commit); its rows wait in the shards for the retry.
    const mark = archived ? await archived : undefined;
    if (mark) this.#archiveFault.succeeded();
    const taken = newCheckpoint(this.#o.workers, state, positions, mark, marks);
    // Cluster mode: the checkpoint names the cut, then the group gets it (a failure: nothing committed, and a
    // restart goes back to the cut the group has: cluster-cuts.ts).
    const prepared = cluster ? this.#clusterCuts?.prepare(cluster, taken) : undefined;
    const cp = prepared?.cp ?? taken;
    await writeCheckpoint(this.#o.checkpointDir, cp, this.#checkpointFsync);
    this.#lastCheckpoint = cp;
    if (prepared) await this.#clusterCuts!.publish(prepared.prepared, cp);
    this.#outputMarks = marks;
    if (mark) archive!.committed(mark);
    await source.commit(positions, confirmed);
    void archive?.compactClosed(pipeline.closedThroughUs);
    this.#cuts++;
    log.debug({ positions, cuts: this.#cuts, owned: this.#o.cluster?.stats().owned }, 'durable cut: outputs and state on disk, offsets committed');
  }
}
