// The daemon's side of the Parquet archive (`archive.enabled`). The native shards write the files themselves, from
// the records they parsed; this decides when: every cut gets the next sequence number, the shards close their
// open files under it, and durability tells this which cuts a restart may no longer delete (recovery.ts). Closed
// hours are compacted in the background, one at a time, from committed cuts only. A cut a shard cannot write keeps
// that shard's rows (native/API.md, Archive): durability retries it (archive-fault.ts), every attempt under a new
// number, since the shards that did write under the failed one must not have their files replaced.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { compactHour, compactionJobs, settleJournals } from '../archive/compaction.js';
import { closeLedger, openLedger, type ReplayMode } from '../archive/ledger.js';
import { listHours, newRunId } from '../archive/layout.js';
import { type ArchiveMark, recoverArchive } from '../archive/recovery.js';
import { pruneArchive } from '../archive/retention.js';
import { formatAge } from '../config/age.js';
import type { RetentionLimits } from '../config/types.js';
import { LogpulseError } from '../errors.js';
import { chmodCreated } from '../file-modes.js';
import type { Logger } from '../log.js';
import { type ArchiveFile, compactParquet } from '../native.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { SourceSpec } from '../sources/uri.js';
import { errnoOf } from './archive-fault.js';

/** How a restart treats what a source already delivered (ledger.ts). */
export function replayModeOf(spec: SourceSpec): ReplayMode {
  // A file source resumes at its checkpointed byte, as Kafka at its offsets, and a seeded generator after its
  // checkpointed line count.
  if (spec.kind === 'kafka' || spec.kind === 'file') return 'replays';
  if (spec.kind === 'generator' && spec.seed !== null) return 'replays';
  return 'none';
}

export class ArchiveKeeper {
  readonly dir: string;
  readonly run = newRunId();
  readonly #source: string;
  readonly #replay: ReplayMode;
  readonly #log: Logger;
  #seq = 0;
  /** Cuts up to this one stay whatever happens next (the checkpoint includes them, or nothing replays them). */
  #committedSeq = 0;
  /** The run ended cleanly: every cut of it is final. */
  #final = false;
  #compacting: Promise<void> = Promise.resolve();
  /** Rows this run's cuts published. */
  #rows = 0;
  /** Why the last cut failed, until a cut succeeds: its rows wait in the shards meanwhile and `/ready` says so. */
  #failure: string | null = null;
  /** Told the size of each file a cut published (not of compaction's rewrites), for `/metrics`. */
  onPublished: (bytes: number) => void = () => {};
  /** Told what each retention pass deleted (files, bytes), for `/metrics`. */
  onRetained: (files: number, bytes: number) => void = () => {};
  /** `archive.retention`: applied after each compaction pass (archive/retention.ts). */
  #retention: RetentionLimits = { maxAgeMs: 0, maxSize: 0 };

  constructor(dir: string, source: string, replay: ReplayMode, log: Logger) {
    this.dir = dir;
    this.#source = source;
    this.#replay = replay;
    this.#log = log;
  }

  /** The last failed cut's error while no later cut has succeeded (see `#failure`); null otherwise. */
  get failure(): string | null {
    return this.#failure;
  }

  /** What the shards need to write (`ShardOptions.archive` without the shard number). */
  get shardOptions(): { dir: string; run: string } {
    return { dir: this.dir, run: this.run };
  }

  /** Before any data: crashed runs' files sorted out against the checkpoint's mark, then this run's ledger. */
  async open(mark: ArchiveMark | null | 'unknown'): Promise<void> {
    await settleJournals(this.dir, this.#log);
    const recovered = await recoverArchive(this.dir, { source: this.#source, replay: this.#replay }, mark, this.#log);
    await openLedger(this.dir, { run: this.run, source: this.#source, replay: this.#replay, startedAt: new Date().toISOString() });
    this.#log.info({ dir: this.dir, run: this.run, crashedRuns: recovered.runs, cutFilesRemoved: recovered.deleted }, 'archive open');
  }

  /**
   * Every shard closes its open files under the next sequence number (queued behind the shards' earlier tasks, so
   * a cut holds exactly what they processed before it). Throws LP_ERR_ARCHIVE when a shard could not write: that
   * shard keeps its rows for the next cut, the files the others published stay (their rows are not written again).
   */
  async cut(pipeline: Pipeline): Promise<ArchiveMark> {
    const seq = ++this.#seq;
    const { files, errors } = await pipeline.archiveCut(seq);
    for (const f of files) this.#rows += f.rows;
    await this.#published(files);
    if (errors.length > 0) {
      this.#failure = `archive cut ${seq} failed: ${errors.join('; ')}`;
      throw new LogpulseError('LP_ERR_ARCHIVE', this.#failure, { path: this.dir, syscallCode: errnoOf(errors[0]!) });
    }
    this.#failure = null;
    if (this.#replay === 'none') this.#committedSeq = seq;
    if (files.length > 0) this.#log.debug({ seq, files: files.length, rows: files.reduce((a, f) => a + f.rows, 0) }, 'archive cut');
    return { run: this.run, seq };
  }

  /**
   * Gives the files the Rust core wrote, and their partition directories, output.fileMode / dirMode; tells
   * `onPublished` each file's size: one stat per file a cut published (a few per cut), before any compaction may take it.
   */
  async #published(files: ArchiveFile[]): Promise<void> {
    const dirs = new Set(files.flatMap((f) => partitionDirs(this.dir, f.path)));
    await chmodCreated({ dirs: [...dirs], files: files.map((f) => join(this.dir, f.path)) });
    const sizes = await Promise.all(files.map((f) => stat(join(this.dir, f.path)).then((s) => s.size, () => 0)));
    for (const size of sizes) this.onPublished(size);
  }

  /** The checkpoint that includes `mark` is on disk. */
  committed(mark: ArchiveMark): void {
    this.#committedSeq = Math.max(this.#committedSeq, mark.seq);
  }

  /**
   * The run ends without anything to read again: its cuts are final, its ledger goes. (`whole` false: a stop
   * half-way; only a `rereads` run of an earlier version kept its ledger then, for the next start to remove its cuts.)
   */
  async finish(whole: boolean): Promise<void> {
    await this.#compacting;
    if (!whole && this.#replay === 'rereads') return;
    this.#final = true;
    await closeLedger(this.dir, this.run);
    this.#log.info({ dir: this.dir, run: this.run, rowsPublished: this.#rows }, 'archive closed');
  }

  /** `archive.retention` (at start and on a reload): the next pass after a cut applies it. */
  setRetention(limits: RetentionLimits): void {
    this.#retention = limits;
  }

  /** Starts compacting the hours closed through `closedThroughUs` after any compaction already running. */
  compactClosed(closedThroughUs: number | null): Promise<void> {
    if (closedThroughUs === null) return this.#compacting;
    this.#compacting = this.#compacting.then(() => this.#compactAll(closedThroughUs));
    return this.#compacting;
  }

  async #compactAll(closedThroughUs: number): Promise<void> {
    try {
      for (const job of compactionJobs(await listHours(this.dir), closedThroughUs, this.#committed)) {
        const id = { run: this.run, seq: ++this.#seq };
        const rows = await compactHour(this.dir, job, id, compactParquet);
        this.#log.debug({ partition: job.hour.partition, files: job.inputs.length, rows }, 'archive hour compacted');
      }
    } catch (err) {
      // The inputs stay readable (the journal says so); the next cut tries again.
      this.#log.warn({ err: (err as Error).message }, 'archive compaction failed; retried after the next cut');
    }
    await this.#prune(closedThroughUs);
  }

  /** Cuts a restart may no longer remove or replay (compaction and retention take only those). */
  readonly #committed = (run: string, seq: number): boolean => run !== this.run || this.#final || seq <= this.#committedSeq;

  /** Deletes the oldest hours over `archive.retention` (after compaction, on the same chain: never beside it). */
  async #prune(closedThroughUs: number): Promise<void> {
    try {
      const r = await pruneArchive(await listHours(this.dir), this.#retention, closedThroughUs, this.#committed);
      if (r.hours.length === 0) return;
      const first = r.hours[0]!.hourStartUs;
      const last = r.hours[r.hours.length - 1]!.hourStartUs;
      const reasons = [...new Set(r.hours.map((h) => h.reason))].join('+');
      const limits = { maxAge: formatAge(this.#retention.maxAgeMs), maxSize: this.#retention.maxSize };
      this.#log.info(
        { kind: 'archive', hours: r.hours.length, files: r.files, bytes: r.bytes, reason: reasons, from: iso(first), through: iso(last), limits },
        'retention: archive hours deleted',
      );
      this.onRetained(r.files, r.bytes);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'archive retention failed; retried after the next cut');
    }
  }
}

/** The start of an hour (µs) as ISO text. */
const iso = (us: number): string => new Date(us / 1000).toISOString();

/** `date=…` and `date=…/hour=…` of a file's path under the archive root, as absolute paths. */
function partitionDirs(root: string, path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => join(root, ...parts.slice(0, i + 1)));
}
