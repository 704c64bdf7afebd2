// node-rdkafka, loaded on first use: loading librdkafka costs ≈ 0.1 s of start-up, which runs without Kafka
// (a file, stdin, TCP) should not pay.
import { createRequire } from 'node:module';

import type * as RdKafka from 'node-rdkafka';

let loaded: typeof RdKafka | null = null;

export function rdkafka(): typeof RdKafka {
  loaded ??= createRequire(import.meta.url)('node-rdkafka') as typeof RdKafka;
  return loaded;
}
