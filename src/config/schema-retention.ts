// The retention keys of the config schema (schema.ts): how much of each output kind (`output.retention`) and of the
// Parquet archive (`archive.retention`) is kept on disk, by age and by total size, like Prometheus'
// `--storage.tsdb.retention.time/size` and Kafka's `retention.ms/bytes`. The sweeper is src/daemon/retention.ts.
import { Type } from '@sinclair/typebox';

import { Section } from './schema-helpers.js';

/** `output.retention.maxAge` when not configured (Kafka's `retention.ms` default). */
export const DEFAULT_OUTPUT_MAX_AGE = '7d';
/** `archive.retention.maxAge` when not configured: the batch layer's thresholds are percentiles over a month. */
export const DEFAULT_ARCHIVE_MAX_AGE = '30d';

/** An age: "7d", "36h", "2w" or milliseconds; checked by the `age` format (config/age.ts). 0: no limit. */
function Age(defaultValue: string | undefined, description: string) {
  return Type.Unsafe<string | number>({
    type: ['string', 'integer'],
    format: 'age',
    minimum: 0,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    description: `${description} An age: "36h", "7d", "2w" or a number of milliseconds; 0: no limit.`,
  });
}

/** A byte size: "500MB", "10GiB" or bytes; checked by the `byte-size` format (config/byte-size.ts). 0: no limit. */
function ByteSize(defaultValue: string | number | undefined, description: string) {
  return Type.Unsafe<string | number>({
    type: ['string', 'integer'],
    format: 'byte-size',
    minimum: 0,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    description: `${description} A size: "500MB", "10GiB" (decimal kB/MB/GB/TB or binary KiB/MiB/GiB/TiB) or a number of bytes; 0: no limit.`,
  });
}

/** One kind's override of the defaults: each key left out takes `output.retention.maxAge` / `maxSize`. */
function kindOverride(kind: string, what: string) {
  return Type.Optional(
    Type.Object(
      {
        maxAge: Type.Optional(Age(undefined, `${what} older than this are deleted. Unset by default: \`output.retention.maxAge\` applies.`)),
        maxSize: Type.Optional(ByteSize(undefined, `The oldest ${what.toLowerCase()} are deleted while all of \`${kind}/\` holds more. Unset by default: \`output.retention.maxSize\` applies.`)),
      },
      { additionalProperties: false, description: `Retention of \`${kind}/\` (overrides the defaults above). Unset by default.` },
    ),
  );
}

export const OUTPUT_RETENTION_SECTION = Section(
  {
    maxAge: Age(DEFAULT_OUTPUT_MAX_AGE, 'Complete output files whose last write is older than this are deleted (every kind without its own `maxAge`).'),
    maxSize: ByteSize(0, 'Per kind: the oldest complete files are deleted while the kind\'s directory holds more than this (every kind without its own `maxSize`).'),
    errors: kindOverride('errors', 'Error-record files'),
    metrics: kindOverride('metrics', 'Window-row files'),
    rejected: kindOverride('rejected', 'Rejected-line files'),
    alerts: kindOverride('alerts', 'Alert files'),
    partials: kindOverride('partials', 'Partials files'),
  },
  'How long output files are kept (README, Retention). Never deleted: a `.part`, the newest complete file of a kind, or a file after the last durable cut.',
);

export const ARCHIVE_RETENTION_SECTION = Section(
  {
    maxAge: Age(
      DEFAULT_ARCHIVE_MAX_AGE,
      'Hour partitions whose end is this much older than the end of the newest hour in the archive (event time, as Prometheus counts) are deleted.',
    ),
    maxSize: ByteSize(0, 'The oldest hour partitions are deleted while the archive\'s Parquet files hold more than this.'),
  },
  'How much of the Parquet archive is kept (README, Retention); only closed hours whose cuts are committed are deleted, oldest first.',
);
