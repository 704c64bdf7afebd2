// One single-thread Piscina pool per shard: Piscina's balancer never sees the payload, so it cannot route a
// stream to the shard that holds its state; a pool per shard makes the routing ours (DESIGN.md).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Piscina } from 'piscina';

import type { ProcessResult, ShardOptions } from '../native.js';
import type { ShardTask } from './worker.js';

/** The compiled worker; when this module runs from sources (tests), the build output next to them. */
function workerFile(): string {
  const sibling = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  return fileURLToPath(new URL('../../dist/pipeline/worker.js', import.meta.url));
}

export class ShardPool {
  readonly #pools: Piscina[];

  constructor(shards: number, shardOptions: ShardOptions) {
    const filename = workerFile();
    this.#pools = Array.from(
      { length: shards },
      () =>
        new Piscina({
          filename,
          minThreads: 1,
          maxThreads: 1,
          // Tasks of one shard must run one at a time, in submission order: its state is sequential.
          concurrentTasksPerWorker: 1,
          idleTimeout: Number.POSITIVE_INFINITY,
          workerData: { shardOptions },
        }),
    );
  }

  get size(): number {
    return this.#pools.length;
  }

  /** Runs on shard `index`; a `process` chunk's memory is moved to the worker, not copied. */
  run(index: number, task: ShardTask): Promise<ProcessResult> {
    const pool = this.#pools[index]!;
    if (task.op === 'process') {
      const buf = task.chunk.buffer as ArrayBuffer;
      return pool.run(task, { transferList: [buf] }) as Promise<ProcessResult>;
    }
    return pool.run(task) as Promise<ProcessResult>;
  }

  snapshot(index: number): Promise<Buffer> {
    return this.#pools[index]!.run({ op: 'snapshot' } satisfies ShardTask) as Promise<Buffer>;
  }

  async restore(index: number, bytes: Uint8Array): Promise<void> {
    await this.#pools[index]!.run({ op: 'restore', bytes } satisfies ShardTask);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.#pools.map((p) => p.destroy()));
  }
}
