// The `pipeline` section of the config schema (schema.ts): parsing, windows and watermarks, and what the pipeline
// may hold in memory (chunks, read buffers). Kept apart so the main schema stays readable.
import { Type } from '@sinclair/typebox';

import { Duration, Section } from './schema-helpers.js';

/** `pipeline.maxUrlsPerWindow`, also `logpulse merge --max-urls`'s default. */
export const DEFAULT_MAX_URLS_PER_WINDOW = 100;
/** `pipeline.chunkBytes` (limits.maxBufferedBytes must hold one chunk). */
export const DEFAULT_CHUNK_BYTES = 1_048_576;
/** `pipeline.readBuffers`: a shard's chunks in flight (`maxInFlightChunks`, 4), the one being read and a few more. */
export const DEFAULT_READ_BUFFERS = 8;
/** `pipeline.workerCollectBytes`: measured on a 4 M-line file (young-collection.ts). */
export const DEFAULT_WORKER_COLLECT_BYTES = 4_194_304;

export const PIPELINE_SECTION = Section(
  {
    errorStatusMin: Type.Integer({
      minimum: 100,
      maximum: 599,
      default: 400,
      description: 'A record with `status >=` this is an error.',
    }),
    window: Duration('30s', 'Length of the tumbling event-time windows, aligned to the Unix epoch.'),
    watermark: Duration(
      '10s',
      'How far behind the latest event time of a stream a window still waits for records; later ones are `late`.',
    ),
    idleTimeout: Duration('30s', 'A stream without data for this long stops holding the watermark back.'),
    maxFutureSkew: Duration('5m', 'Records more than this ahead of the wall clock are rejected as `future`.'),
    maxUrlsPerWindow: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: DEFAULT_MAX_URLS_PER_WINDOW,
      description: 'Cap of `error_urls` per status row (most frequent first); the row says when it was cut.',
    }),
    workers: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 2,
      description: 'Worker threads (shards); Kafka partitions are routed by number. Flag: `--workers`.',
    }),
    parseThreads: Type.Integer({
      minimum: 0,
      maximum: 64,
      default: 0,
      description:
        'Parts a worker parses one call\'s lines in at once (on a pool its workers share), before folding them into the windows in line order: one stream uses every core, with the same outputs. 0 = one per core; 1 = each worker parses alone.',
    }),
    chunkBytes: Type.Integer({
      minimum: 4_096,
      maximum: 67_108_864,
      default: DEFAULT_CHUNK_BYTES,
      description: 'Bytes handed to a worker in one call; large chunks make the per-call cost negligible.',
    }),
    maxInFlightChunks: Type.Integer({
      minimum: 1,
      maximum: 1_024,
      default: 4,
      description: 'Chunks queued per shard before the source is paused (backpressure, not unbounded queues).',
    }),
    readBuffers: Type.Integer({
      minimum: 0,
      maximum: 1_024,
      default: DEFAULT_READ_BUFFERS,
      description:
        '`file:` sources: 1 MiB read buffers kept for reuse. A chunk read into one comes back from the worker that parsed it and is ' +
        'read into again, rather than left for the garbage collector (which let a tailed file\'s memory climb). 0: a new buffer per read.',
    }),
    workerCollectBytes: Type.Integer({
      minimum: 0,
      maximum: 1_073_741_824,
      default: DEFAULT_WORKER_COLLECT_BYTES,
      description:
        'A worker collects its young generation (a scavenge, well under a millisecond) after handing back this many bytes of results; ' +
        'until then the buffers they were made in stay in its memory (V8 alone waits for about 64 MB of them). 0: leave it to V8.',
    }),
  },
  'Parsing, windows and watermarks.',
);
