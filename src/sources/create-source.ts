// A parsed source URI (sources/uri.ts) → the running source. The one module that knows every source class, so
// the grammar stays importable by the config check and `gen` without pulling in Kafka, sockets or the generator.
import { DEFAULT_KAFKA_GROUP, DEFAULT_STARTING_OFFSETS } from '../config/schema.js';
import type { Config } from '../config/types.js';
import { kafkaClientConfig, type KafkaSecurity, PLAINTEXT } from '../kafka/client-config.js';
import { FileSource } from './file.js';
import { GeneratorSource } from './generator.js';
import { KafkaSource } from './kafka.js';
import type { ConnectionLimits, Source } from './source.js';
import { StdinSource } from './stdin.js';
import { TcpClientSource, type BackoffOptions } from './tcp-client.js';
import { TcpListenSource } from './tcp-listen.js';
import { parseSourceUri, type SourceSpec } from './uri.js';

/** Runtime knobs that are not part of the URI (tests shorten timers; the CLI never needs them). */
export interface CreateSourceOptions {
  /** Stream the stdin source reads instead of `process.stdin`. */
  stdin?: NodeJS.ReadableStream;
  /** How often `file:…?follow=true` looks for appended bytes and rotation. Default 250 ms. */
  pollIntervalMs?: number;
  /** Reconnect delays of `tcp://`. Default 100 ms doubling to 5 s. */
  backoff?: BackoffOptions;
  /** The `kafka` config section: defaults for what a kafka:// URI leaves out, and TLS/SASL (credentials from the environment). */
  kafka?: { group: string; startingOffsets: 'earliest' | 'latest'; security: KafkaSecurity };
  /** `tcp-listen://`: the `limits` keys it enforces per producer. */
  limits?: ConnectionLimits;
  /** `file:`: read buffers kept for reuse (`pipeline.readBuffers`). */
  readBuffers?: number;
}

/** The source a config names. Throws on a source URI or Kafka security setting this build cannot use (exit 2). */
export function sourceOf(config: Config): Source {
  const { group, startingOffsets, security } = config.kafka;
  const { maxConnections, idleTimeoutMs } = config.limits;
  const readBuffers = config.pipeline.readBuffers;
  return createSource(parseSourceUri(config.source), { kafka: { group, startingOffsets, security }, limits: { maxConnections, idleTimeoutMs }, readBuffers });
}

/** The kind of source `config.source` names (`kafka`, `file`, …). */
export function sourceKindOf(config: Config): SourceSpec['kind'] {
  return parseSourceUri(config.source).kind;
}

/** Builds the runtime for a parsed URI. Throws synchronously for sources this build cannot provide. */
export function createSource(spec: SourceSpec, options: CreateSourceOptions = {}): Source {
  switch (spec.kind) {
    case 'generator':
      return new GeneratorSource(spec);
    case 'stdin':
      return new StdinSource({ uri: spec.uri, input: options.stdin });
    case 'file':
      return new FileSource({ uri: spec.uri, path: spec.path, follow: spec.follow, pollIntervalMs: options.pollIntervalMs, readBuffers: options.readBuffers });
    case 'tcp':
      return new TcpClientSource({ uri: spec.uri, host: spec.host, port: spec.port, backoff: options.backoff });
    case 'tcp-listen':
      return new TcpListenSource({ uri: spec.uri, host: spec.host, port: spec.port, limits: options.limits });
    case 'kafka': {
      const k = options.kafka ?? { group: DEFAULT_KAFKA_GROUP, startingOffsets: DEFAULT_STARTING_OFFSETS, security: PLAINTEXT };
      return new KafkaSource({
        uri: spec.uri,
        topic: spec.topic,
        group: spec.group ?? k.group,
        client: kafkaClientConfig(spec.brokers, k.security),
        startingOffsets: spec.startingOffsets ?? k.startingOffsets,
        endingOffsets: spec.endingOffsets ?? 'none',
      });
    }
  }
}
