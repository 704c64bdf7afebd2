// The `limits` section of the config schema (schema.ts): what untrusted input may cost the daemon (README, Input
// limits). Kept apart so the main schema stays readable.
import { Type } from '@sinclair/typebox';

import { Duration, Section } from './schema-helpers.js';

/** `limits.maxConnections`: also what a tcp-listen:// source built without a config allows. */
export const DEFAULT_MAX_CONNECTIONS = 256;
/** `limits.maxMemory` below this (and not 0) is refused: the daemon's own idle footprint is more than half of it. */
export const MIN_MAX_MEMORY = 33_554_432;

export const LIMITS_SECTION = Section(
  {
    maxLineBytes: Type.Integer({
      minimum: 64,
      maximum: 16_777_216,
      default: 65_536,
      description: 'Longer lines are rejected as `too_long`.',
    }),
    maxConnections: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: DEFAULT_MAX_CONNECTIONS,
      description:
        '`tcp-listen://`: producers connected at once; one more is closed as soon as it connects (counted in ' +
        '`logpulse_tcp_connections_refused_total`, logged at most every 30 s).',
    }),
    idleTimeout: Duration(
      '5m',
      '`tcp-listen://`: a connection that sends no complete line for this long is closed; bytes without a newline do not ' +
        'count (a slowloris trickle is idle), and its unfinished line is rejected as `malformed` (or `too_long`). 0: never.',
    ),
    maxBufferedBytes: Type.Integer({
      minimum: 1_048_576,
      maximum: 4_294_967_296,
      default: 67_108_864,
      description:
        'Input bytes read but not yet parsed, all streams together (waiting to fill a chunk or queued to a worker); above it the ' +
        'source is paused. At least `pipeline.chunkBytes`.',
    }),
    maxMemory: Type.Integer({
      minimum: 0,
      maximum: 1_099_511_627_776,
      default: 0,
      description:
        'Resident memory (bytes) above which the sources are paused until it falls below 90 % of it (backpressure: nothing is ' +
        'dropped; `/ready` is 503 meanwhile). 0: 80 % of the memory limit the process runs under (a container\'s or systemd ' +
        'unit\'s cgroup `memory.max`), none without one. Otherwise at least 33554432 (32 MiB).',
    }),
    rejectedPerSecond: Type.Integer({
      minimum: 0,
      maximum: 10_000_000,
      default: 10_000,
      description:
        'Rejected lines written to `rejected/` per second at most (bursts up to one second\'s worth); the rest are dropped and ' +
        'counted in `logpulse_rejected_dropped_total`. `logpulse_rejected_total` counts every one by reason either way.',
    }),
  },
  'Input limits: untrusted producers cannot crash the daemon or make it grow.',
);
