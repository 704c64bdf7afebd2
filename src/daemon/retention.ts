// Retention of the output files (README, Retention): a sweeper that deletes each kind's oldest complete files while
// they are older than `output.retention…maxAge` or the kind holds more than `…maxSize` (retention-plan.ts decides
// which). It runs on its own timer, every `output.rotateEvery` (the pace at which files appear), rather than inside
// a durable cut: a slow listing or unlink must never hold a cut (and with it the source). What it may delete comes
// from `safeThrough`: the last durable cut's marks for a replayable source (the checkpoint counts on those files;
// files after them are replayed anyway), otherwise the last complete file. A `.part` never matches the names it
// lists. A reader holding a file open keeps reading it after the unlink (POSIX: the inode lives until closed).
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import type { RetentionLimits } from '../config/types.js';
import type { Logger } from '../log.js';
import { fileNamePattern } from '../sinks/file-names.js';
import type { FileKind, OutputMarks } from '../sinks/sink.js';
import { type CompleteFile, type Deletion, planRetention, type RetentionReason } from './retention-plan.js';

/** The shard label the daemon's sinks write under (open-outputs.ts). */
const SHARD = 'all';

export interface RetentionOptions {
  /** `output.dir`: kinds live in `<outDir>/<kind>/`. */
  outDir: string;
  kinds: readonly FileKind[];
  limits: Record<FileKind, RetentionLimits>;
  /** Per kind, the highest file number that may be deleted; a kind left out has none. */
  safeThrough: () => Promise<OutputMarks>;
  everyMs: number;
  log: Logger;
  /** Told what each sweep deleted, per kind (for `/metrics`). */
  onDeleted?: (kind: FileKind, files: number, bytes: number) => void;
  now?: () => number;
}

export class RetentionSweeper {
  readonly #o: RetentionOptions;
  #limits: Record<FileKind, RetentionLimits>;
  #timer: NodeJS.Timeout | null = null;
  #everyMs: number;
  #running: Promise<void> = Promise.resolve();
  #sweeping = false;
  /** Per kind, what was learnt of each complete file (a file's size and time do not change once it is complete). */
  readonly #known = new Map<FileKind, Map<string, CompleteFile>>();

  constructor(o: RetentionOptions) {
    this.#o = o;
    this.#limits = o.limits;
    this.#everyMs = o.everyMs;
  }

  /** Sweeps now (files of earlier runs too), then every `everyMs`. */
  start(): void {
    if (this.#timer) return;
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), this.#everyMs);
    this.#timer.unref();
  }

  /** No more sweeps; resolves when a running one is done. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** `output.retention.*` changed (a reload): the next sweep applies the new limits. */
  setLimits(limits: Record<FileKind, RetentionLimits>): void {
    this.#limits = limits;
  }

  /** `output.rotateEvery` changed (a reload). */
  setEvery(ms: number): void {
    this.#everyMs = ms;
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
    this.start();
  }

  /** One sweep of every kind (after any running one); resolves to what it deleted. */
  sweep(): Promise<Deletion[]> {
    const run = this.#running.then(() => this.#sweepAll());
    this.#running = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #tick(): void {
    if (this.#sweeping) return; // a slow disk: sweeps never pile up
    this.#sweeping = true;
    this.sweep()
      .catch((err: unknown) => this.#o.log.warn({ err: (err as Error).message }, 'retention: sweep failed; retried at the next one'))
      .finally(() => (this.#sweeping = false));
  }

  async #sweepAll(): Promise<Deletion[]> {
    const marks = await this.#o.safeThrough();
    const now = (this.#o.now ?? Date.now)();
    const all: Deletion[] = [];
    for (const kind of this.#o.kinds) {
      const limits = this.#limits[kind];
      if (limits.maxAgeMs === 0 && limits.maxSize === 0) continue;
      const files = await this.#list(kind);
      const plan = planRetention(files, limits, marks[kind] ?? 0, now);
      const done = await this.#delete(kind, plan);
      all.push(...done);
    }
    return all;
  }

  /** The complete files of `kind` (sizes and times of new ones read; a file gone meanwhile is left out). */
  async #list(kind: FileKind): Promise<CompleteFile[]> {
    const dir = join(this.#o.outDir, kind);
    const re = fileNamePattern(kind, SHARD);
    let known = this.#known.get(kind);
    if (!known) this.#known.set(kind, (known = new Map()));
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    const seen = new Set<string>();
    for (const name of names) {
      const m = re.exec(name);
      if (!m || m[3]) continue; // not ours, or a `.part`
      seen.add(name);
      if (known.has(name)) continue;
      const st = await stat(join(dir, name)).catch(() => null);
      if (st) known.set(name, { name, seq: Number(m[2]), bytes: st.size, mtimeMs: st.mtimeMs });
    }
    for (const name of known.keys()) if (!seen.has(name)) known.delete(name);
    return [...known.values()];
  }

  async #delete(kind: FileKind, plan: Deletion[]): Promise<Deletion[]> {
    const dir = join(this.#o.outDir, kind);
    const done: Deletion[] = [];
    for (const d of plan) {
      try {
        await unlink(join(dir, d.file.name));
        done.push(d);
      } catch (err) {
        // Gone already (an operator, another process): nothing to count. Anything else is said once, at the end.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.#o.log.warn({ kind, file: d.file.name, err: (err as Error).message }, 'retention: a file could not be deleted');
          break;
        }
      }
      this.#known.get(kind)?.delete(d.file.name);
    }
    for (const reason of ['age', 'size'] as RetentionReason[]) {
      const of = done.filter((d) => d.reason === reason);
      if (of.length === 0) continue;
      const bytes = of.reduce((sum, d) => sum + d.file.bytes, 0);
      this.#o.log.info({ kind, files: of.length, bytes, reason, limits: this.#limits[kind] }, 'retention: output files deleted');
    }
    if (done.length > 0) this.#o.onDeleted?.(kind, done.length, done.reduce((sum, d) => sum + d.file.bytes, 0));
    return done;
  }
}
