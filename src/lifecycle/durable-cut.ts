// Offsets of a replayable source (Kafka) are committed only after everything derived from those records is
// durable (SPEC §5). A cut, every `output.rotateEvery`, at a partition hand-over and at stop:
//   1. the source holds delivery, and its positions are read: the pipeline state is now exactly "everything
//      before these positions";
//   2. in-flight work settles; every output file is completed (fsync, rename);
//   3. the open windows and the positions go to the checkpoint (fsync, rename);
//   4. delivery resumes, and the positions are committed to the group (confirmed at a hand-over and at stop).
// A crash before 3 replays from the previous cut (its `.part` files are discarded at restart, so nothing is
// written twice); after 3 the checkpoint carries the state and where to resume.
import type { Logger } from '../log.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { RecordSink } from '../sinks/sink.js';
import type { ReplayableSource, StreamPositions } from '../sources/source.js';
import { newCheckpoint, writeCheckpoint } from './checkpoint.js';

export interface DurableCutOptions {
  source: ReplayableSource;
  pipeline: Pipeline;
  sinks: RecordSink[];
  checkpointDir: string;
  workers: number;
  everyMs: number;
  log: Logger;
}

export class DurableCuts {
  readonly #o: DurableCutOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();
  #cuts = 0;

  constructor(options: DurableCutOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.cut(false).catch((err: unknown) => this.#o.log.error({ err: (err as Error).message }, 'durable cut failed; offsets not committed, retrying at the next one'));
    }, this.#o.everyMs);
    this.#timer.unref();
  }

  /**
   * One cut after any running one (cuts never overlap). `handOff`: resolves once the commit is confirmed (the
   * partitions' next owner starts there); a timed cut leaves its commit on its way.
   */
  cut(handOff = false): Promise<void> {
    const next = this.#running.catch(() => undefined).then(() => this.#cut(true, handOff));
    this.#running = next;
    return next;
  }

  /** No more timed cuts; resolves when a running one is done. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running.catch(() => undefined);
  }

  /** The last cut at stop: the source stays held afterwards, so nothing arrives that would not be committed. */
  async final(): Promise<void> {
    await this.stop();
    await this.#cut(false, true);
  }

  async #cut(release: boolean, confirmed: boolean): Promise<void> {
    const { source, pipeline, sinks, log } = this.#o;
    source.hold();
    let positions: StreamPositions;
    try {
      positions = source.positions();
      await pipeline.drainInFlight();
      await Promise.all(sinks.map((s) => s.rotate()));
      const state = await pipeline.checkpointState();
      await writeCheckpoint(this.#o.checkpointDir, newCheckpoint(this.#o.workers, state, positions));
    } finally {
      if (release) source.release();
    }
    await source.commit(positions, confirmed);
    this.#cuts++;
    log.debug({ positions, cuts: this.#cuts }, 'durable cut: outputs and state on disk, offsets committed');
  }
}
