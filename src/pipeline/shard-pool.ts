// One single-thread Piscina pool per shard: Piscina's balancer never sees the payload, so it cannot route a
// stream to the shard that holds its state; a pool per shard makes the routing ours (DESIGN.md).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Piscina } from 'piscina';

import type { ArchiveCutResult, ArchiveFile, ProcessResult, ShardOptions } from '../native.js';
import type { ChunkOwner } from '../sources/read-buffers.js';
import type { ShardProcessResult, ShardTask, ShardWorkerData } from './worker.js';

/** The compiled worker; when this module runs from sources (tests), the build output next to them. */
function workerFile(): string {
  const sibling = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  return fileURLToPath(new URL('../../dist/pipeline/worker.js', import.meta.url));
}

export class ShardPool {
  readonly #pools: Piscina[];
  /**
   * The last task of each shard. Piscina does not keep submission order, even with one thread (measured:
   * most of 2,000 queued tasks ran out of order), and a shard's chunks must be framed in order — so each
   * shard has its own FIFO here and Piscina only ever holds one of its tasks.
   */
  readonly #tails: Promise<unknown>[];

  /**
   * `archive`: every shard archives its records there, its files named with its own number. `collectBytes`: a worker
   * collects its young generation after handing back this many bytes of results (young-collection.ts; 0: never).
   */
  constructor(shards: number, shardOptions: ShardOptions, archive?: { dir: string; run: string }, collectBytes = 0) {
    const filename = workerFile();
    this.#pools = Array.from(
      { length: shards },
      (_, shard) =>
        new Piscina({
          filename,
          minThreads: 1,
          maxThreads: 1,
          // Tasks of one shard must run one at a time, in submission order: its state is sequential.
          concurrentTasksPerWorker: 1,
          idleTimeout: Number.POSITIVE_INFINITY,
          // The worker must turn its event loop between tasks: Node frees the memory of a Buffer made in Rust
          // (the error records, rejected lines and partials of every result) from a finalizer that runs on
          // that loop. Piscina's default Atomics wait never turns it, so those buffers piled up until exit:
          // +3.4 MB/s at 50 k lines/s with 50 % errors (heaptrack: all of it State::write_error's Vecs).
          atomics: 'disabled',
          // A worker allocates fast (every result's arrays): V8 grows its young generation up to 3 × 16 MiB on 64-bit,
          // per worker. 12 MiB keeps the scavenges cheap and the daemon inside a 512 MiB container (generator at 50 %
          // errors with the archive, peak RSS 365-391 MB vs 383-441 MB, together with ROTATE_AT_BYTES at 32 MiB).
          // The young generation only: an old-generation limit would make a worker die at it.
          resourceLimits: { maxYoungGenerationSizeMb: 12 },
          workerData: { shardOptions: archive ? { ...shardOptions, archive: { ...archive, shard } } : shardOptions, collectBytes } satisfies ShardWorkerData,
        }),
    );
    this.#tails = this.#pools.map(() => Promise.resolve());
  }

  get size(): number {
    return this.#pools.length;
  }

  /**
   * Queues `task` on shard `index` after its earlier tasks; a `process` chunk's memory is moved, not copied. `owner`:
   * the chunk is lent (read-buffers.ts): the worker moves its memory back with the result, and the owner gets it.
   */
  async run(index: number, task: ShardTask, owner?: ChunkOwner): Promise<ProcessResult> {
    const lent = owner !== undefined && task.op === 'process';
    const r = (await this.#enqueue(index, lent ? { ...task, recycle: true } : task)) as ShardProcessResult;
    if (r.recycled !== undefined) owner?.give(r.recycled);
    return r;
  }

  snapshot(index: number): Promise<Buffer> {
    return this.#enqueue(index, { op: 'snapshot' }) as Promise<Buffer>;
  }

  /** Every shard's snapshot, in shard order, each after the tasks already queued on it. */
  async snapshotAll(): Promise<Buffer[]> {
    const shards: Buffer[] = [];
    for (let i = 0; i < this.size; i++) shards.push(await this.snapshot(i));
    return shards;
  }

  async restore(index: number, bytes: Uint8Array): Promise<void> {
    await this.#enqueue(index, { op: 'restore', bytes });
  }

  archiveCut(index: number, seq: number): Promise<ArchiveCutResult> {
    return this.#enqueue(index, { op: 'archiveCut', seq }) as Promise<ArchiveCutResult>;
  }

  /** Every shard publishes its archive files under cut `seq`; failures come back in `errors`, never half a cut. */
  async archiveCutAll(seq: number): Promise<{ files: ArchiveFile[]; errors: string[] }> {
    const results = await Promise.all(Array.from({ length: this.size }, (_, i) => this.archiveCut(i, seq)));
    return { files: results.flatMap((r) => r.files), errors: results.flatMap((r) => (r.error === null ? [] : [r.error])) };
  }

  #enqueue(index: number, task: ShardTask): Promise<unknown> {
    const pool = this.#pools[index]!;
    const transferList = task.op === 'process' ? [task.chunk.buffer as ArrayBuffer] : undefined;
    // A failed task must not stop the ones behind it: the tail swallows the error, the caller still sees it.
    const result = this.#tails[index]!.then(() => pool.run(task, transferList ? { transferList } : {}));
    this.#tails[index] = result.catch(() => undefined);
    return result;
  }

  /**
   * After every task queued, those their results queue too (a tick, say): a task answering a destroyed pool makes
   * piscina throw 'Unexpected message from Worker', uncaught.
   */
  async destroy(): Promise<void> {
    for (let tails = [...this.#tails]; ; tails = [...this.#tails]) {
      await Promise.all(tails);
      await new Promise((resolve) => setImmediate(resolve)); // the callers' result handlers run first
      if (tails.every((t, i) => t === this.#tails[i])) break;
    }
    await Promise.all(this.#pools.map((p) => p.destroy()));
  }
}
